import type { FC } from "hono/jsx";
import type { TenantRow } from "./view";

const percent = (rate: number | null) => (rate === null ? "–" : `${(rate * 100).toFixed(1)}%`);
const usd = (v: number) => `$${v.toFixed(v < 1 ? 6 : 2)}`;
const pct1 = (x: number) => (x * 100).toFixed(1);

/** Measured precision of near-duplicate hits, its 95% interval and evidence; the cut when tightened. */
const Precision: FC<{ p: TenantRow["cache_precision"] }> = ({ p }) =>
  p === null ? (
    <>–</>
  ) : (
    <span title={`95% Wilson interval from ${p.n} verdicts; near-duplicate cut ${p.threshold}${p.tightened ? " (tightened)" : ""}`}>
      {pct1(p.precision)}% [{pct1(p.low)}–{pct1(p.high)}] n={p.n}
      {p.tightened ? ` · cut ${p.threshold}` : ""}
    </span>
  );

/** This month's requests, cache hit rate and spend per tenant, busiest first. */
export const TenantTable: FC<{ tenants: TenantRow[] }> = ({ tenants }) => (
  <section>
    <h2>Tenants this month</h2>
    {tenants.length === 0 ? (
      <p class="empty">No tenants.</p>
    ) : (
      <table id="tenants">
        <thead>
          <tr>
            <th>tenant</th>
            <th>requests</th>
            <th>cache hits</th>
            <th>hit rate</th>
            <th>spend</th>
            <th>saved by cache</th>
            <th>cache precision</th>
            <th>waived</th>
            <th>refunded</th>
            <th>commitment used</th>
          </tr>
        </thead>
        <tbody>
          {tenants.map((t) => (
            <tr data-tenant={t.id}>
              <th title={t.name}>{t.id}</th>
              <td class="requests">{t.requests}</td>
              <td class="cache-hits">{t.cache_hits}</td>
              <td class="hit-rate">{percent(t.cache_hit_rate)}</td>
              <td class="spend">{usd(t.spend_usd)}</td>
              <td class="saved">{usd(t.saved_usd)}</td>
              <td class="cache-precision">
                <Precision p={t.cache_precision} />
              </td>
              <td class="waived">{usd(t.waived_usd)}</td>
              <td class="refunded">{usd(t.refunded_usd)}</td>
              <td class="commitment">{t.commitment ? `${usd(t.commitment.used_usd)} of ${usd(t.commitment.committed_usd)}` : "–"}</td>
            </tr>
          ))}
        </tbody>
      </table>
    )}
  </section>
);
