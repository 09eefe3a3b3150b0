import type { FC } from "hono/jsx";
import { queueScale, SPARK_HEIGHT, SPARK_WIDTH, sparkPoints } from "./spark";
import type { EngineRow } from "./view";

const percent = (v: number | null | undefined) => (v === null || v === undefined ? "–" : `${(v * 100).toFixed(0)}%`);

const Spark: FC<{ points: string; label: string }> = ({ points, label }) => (
  <svg class="spark" width={SPARK_WIDTH} height={SPARK_HEIGHT} viewBox={`0 0 ${SPARK_WIDTH} ${SPARK_HEIGHT}`} role="img" aria-label={label}>
    <title>{label}</title>
    <polyline points={points} />
  </svg>
);

/** Per origin that names its metrics: the engine's queue, batch, KV use and prefix-cache hit rate now, and over the last hour. */
export const EngineLoadTable: FC<{ engines: EngineRow[]; at: number }> = ({ engines, at }) =>
  engines.length === 0 ? null : (
    <section>
      <h2>Engine load (each origin's own /metrics; last hour, per minute)</h2>
      <table id="engines">
        <thead>
          <tr>
            <th>origin</th>
            <th>queue</th>
            <th>running</th>
            <th>KV use</th>
            <th>prefix hits</th>
            <th>queue, 1 h</th>
            <th>KV use, 1 h</th>
            <th>prefix hits, 1 h</th>
          </tr>
        </thead>
        <tbody>
          {engines.map((e) => {
            const peak = queueScale(e.series);
            return (
              <tr data-engine={e.id}>
                <th title={`metrics format ${e.format}`}>
                  {e.id}
                  {e.load ? null : <span class="badge">no reading</span>}
                </th>
                <td class="waiting">{e.load ? e.load.waiting : "–"}</td>
                <td class="running">{e.load ? e.load.running : "–"}</td>
                <td class="kv">{percent(e.load?.kv_usage)}</td>
                <td class="prefix-hits">{percent(e.load?.prefix_hit_rate)}</td>
                <td>
                  <Spark points={sparkPoints(e.series, "waiting", at, peak)} label={`${e.id}: queue over the last hour, peak ${peak}`} />
                </td>
                <td>
                  <Spark points={sparkPoints(e.series, "kvUsage", at, 1)} label={`${e.id}: KV use over the last hour, 0 to 100%`} />
                </td>
                <td>
                  <Spark points={sparkPoints(e.series, "prefixHitRate", at, 1)} label={`${e.id}: prefix-cache hit rate over the last hour, 0 to 100%`} />
                </td>
              </tr>
            );
          })}
        </tbody>
      </table>
    </section>
  );
