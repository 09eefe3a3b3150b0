import type { FC } from "hono/jsx";
import type { BatchRow } from "./batches";

const usd = (v: number) => `$${v.toFixed(v < 1 ? 6 : 2)}`;
/** Unix seconds as UTC, to the second. */
const time = (s: number | null) => (s === null ? "–" : new Date(s * 1000).toISOString().replace("T", " ").slice(0, 19) + "Z");

/** The newest batches across tenants: progress, times and what their lines were charged so far. */
export const BatchTable: FC<{ batches: BatchRow[] }> = ({ batches }) => (
  <section>
    <h2>Recent batches</h2>
    {batches.length === 0 ? (
      <p class="empty">No batches.</p>
    ) : (
      <table id="batches">
        <thead>
          <tr>
            <th>batch</th>
            <th>tenant</th>
            <th>status</th>
            <th>total</th>
            <th>completed</th>
            <th>failed</th>
            <th>created</th>
            <th>finished</th>
            <th>spend</th>
          </tr>
        </thead>
        <tbody>
          {batches.map((b) => (
            <tr data-batch={b.id}>
              <th>{b.id}</th>
              <td class="tenant">{b.tenant}</td>
              <td class="status">{b.status}</td>
              <td class="total">{b.total}</td>
              <td class="completed">{b.completed}</td>
              <td class="failed">{b.failed}</td>
              <td class="created">{time(b.created_at)}</td>
              <td class="finished">{time(b.finished_at)}</td>
              <td class="spend" title={`${b.charged_requests} lines metered`}>
                {usd(b.spend_usd)}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    )}
  </section>
);
