import type { FC } from "hono/jsx";
import type { TenantRow } from "./view";

const percent = (rate: number | null) => (rate === null ? "–" : `${(rate * 100).toFixed(1)}%`);
const usd = (v: number) => `$${v.toFixed(v < 1 ? 6 : 2)}`;

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
            <th>waived</th>
            <th>refunded</th>
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
              <td class="waived">{usd(t.waived_usd)}</td>
              <td class="refunded">{usd(t.refunded_usd)}</td>
            </tr>
          ))}
        </tbody>
      </table>
    )}
  </section>
);
