import { Hono } from "hono";
import type { AppEnv } from "../app-env";
import { notFound } from "../http/errors";
import { originSnapshot } from "../origins/snapshot";
import { own } from "../own";
import { isRegion, REGIONS } from "../vocabulary/regions";
import type { EngineLoad } from "../stats/engine-load";
import type { OriginSummary } from "../stats/origin-stats";
import { regionStatsObject } from "../objects/stubs";

/** Read-outs of how each origin looks from each region (admin only: mounted under /admin/v1). */
export const regions = new Hono<AppEnv>();

regions.get("/regions", (c) => c.json({ object: "list", data: REGIONS }));

regions.get("/regions/:region/stats", async (c) => {
  const region = c.req.param("region");
  if (!isRegion(region)) throw notFound(`No region '${region}': use one of ${REGIONS.join(", ")}.`, "region_not_found");
  const [snapshot, registry] = await Promise.all([regionStatsObject(c.env, region).snapshot(region), originSnapshot(c.env.KV, (p) => c.executionCtx.waitUntil(p))]);
  const data = registry.origins.map((origin) => ({
    origin: origin.id,
    origin_region: origin.region,
    draining: origin.draining,
    price: origin.price,
    ...row(own(snapshot.origins, origin.id)),
  }));
  return c.json({ object: "region_stats", region, at: snapshot.at, data });
});

/** The engine's own load as the read-out names it (null: the origin names no metrics, or its last reading is stale). */
export function loadRow(load: EngineLoad | undefined) {
  if (!load) return null;
  return { waiting: load.waiting, running: load.running, kv_usage: load.kvUsage, prefix_hit_rate: load.prefixHitRate, at: load.at };
}

function row(s: OriginSummary | undefined) {
  if (!s) return { circuit: "closed", error_rate: 0, requests: 0, in_flight: 0, probe: null, load: null, models: {} };
  return {
    circuit: s.circuit,
    retry_at: s.circuit === "closed" ? null : s.retryAt,
    error_rate: Math.round(s.errorRate * 1000) / 1000,
    requests: s.ok + s.err,
    in_flight: Math.round(s.inFlight * 10) / 10,
    probe: s.probe,
    load: loadRow(s.load),
    models: Object.fromEntries(
      Object.entries(s.models).map(([model, m]) => [
        model,
        {
          samples: m.samples,
          ttft_ms: { ewma: m.ttftMs, p50: m.ttftP50, p95: m.ttftP95, p99: m.ttftP99 },
          total_ms: { p50: m.totalP50, p95: m.totalP95, p99: m.totalP99 },
          tpot_ms: m.tpotMs,
        },
      ]),
    ),
  };
}
