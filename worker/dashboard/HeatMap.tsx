import type { FC } from "hono/jsx";
import { ttftColour } from "./heat";
import type { HeatCell, OriginRow } from "./view";

const ms = (v: number | null) => (v === null ? "–" : `${v}`);

const Cell: FC<{ origin: string; cell: HeatCell }> = ({ origin, cell }) => (
  <td
    class={`cell circuit-${cell.circuit}`}
    style={`background:${ttftColour(cell.p99_ms)}`}
    data-origin={origin}
    data-region={cell.region}
    data-circuit={cell.circuit}
    title={`${origin} from ${cell.region}: ${cell.requests} requests, circuit ${cell.circuit}`}
  >
    <span class="p50">{ms(cell.p50_ms)}</span>/<span class="p99">{ms(cell.p99_ms)}</span>
    {cell.circuit === "closed" ? null : <span class="badge">{cell.circuit.replace("_", "-")}</span>}
  </td>
);

/** Origins down, regions across: p50/p99 time to first token (ms), coloured by p99. */
export const HeatMap: FC<{ regions: string[]; origins: OriginRow[] }> = ({ regions, origins }) => (
  <section>
    <h2>TTFT p50 / p99 (ms) by region × origin</h2>
    {origins.length === 0 ? (
      <p class="empty">No origins registered.</p>
    ) : (
      <table id="heatmap">
        <thead>
          <tr>
            <th>origin</th>
            {regions.map((r) => (
              <th>{r}</th>
            ))}
          </tr>
        </thead>
        <tbody>
          {origins.map((o) => (
            <tr>
              <th class="origin" title={`home region ${o.region}`}>
                {o.id}
                {o.draining ? <span class="badge">draining</span> : null}
              </th>
              {o.cells.map((cell) => (
                <Cell origin={o.id} cell={cell} />
              ))}
            </tr>
          ))}
        </tbody>
      </table>
    )}
  </section>
);
