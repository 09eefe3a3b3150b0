import type { FC } from "hono/jsx";
import type { RegionTraffic } from "./view";

const share = (v: number | null) => (v === null ? "–" : `${(v * 100).toFixed(0)}%`);
/** Deeper blue for a larger share; grey where the region sent nothing. */
const shade = (v: number | null) => (v === null ? "hsl(0 0% 88%)" : `hsl(210 70% ${Math.round(96 - v * 40)}%)`);

/** Origins down, regions across: each region's share of requests per origin over the last minute. */
export const TrafficTable: FC<{ traffic: RegionTraffic[]; origins: string[] }> = ({ traffic, origins }) =>
  origins.length === 0 ? null : (
    <section>
      <h2>Where each region's traffic went (share of its requests, last minute)</h2>
      <table id="traffic">
        <thead>
          <tr>
            <th>origin</th>
            {traffic.map((t) => (
              <th title={`${t.requests} requests`}>
                {t.region} <span class="meta">{t.requests}</span>
              </th>
            ))}
          </tr>
        </thead>
        <tbody>
          {origins.map((origin, i) => (
            <tr>
              <th>{origin}</th>
              {traffic.map((t) => {
                const s = t.shares[i]!;
                return (
                  <td class="cell share" style={`background:${shade(s.share)}`} data-traffic-origin={origin} data-traffic-region={t.region} title={`${s.requests} of ${t.requests} requests from ${t.region}`}>
                    {share(s.share)}
                  </td>
                );
              })}
            </tr>
          ))}
        </tbody>
      </table>
    </section>
  );
