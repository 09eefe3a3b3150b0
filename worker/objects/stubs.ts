// The one place the worker reaches its Durable Objects: which object a name
// maps to (and where a region's object is created). Stubs are typed by the
// objects' classes, so what an RPC call returns needs no cast. The classes are
// named as types only: no object code is imported here.
import type { Batch } from "../../durable-objects/batch";
import type { EngineScraper } from "../../durable-objects/engine-scraper";
import type { OriginRegistry } from "../../durable-objects/origin-registry";
import type { RegionStats } from "../../durable-objects/region-stats";
import type { Tenant } from "../../durable-objects/tenant";

/** A tenant's object: its profile, keys, rules, ledger, rate limits and audit log. */
export function tenantObject(env: Env, tenantId: string): DurableObjectStub<Tenant> {
  return env.TENANT.get(env.TENANT.idFromName(tenantId));
}

/** A region's statistics object, created in that region (the region names a location hint). */
export function regionStatsObject(env: Env, region: string): DurableObjectStub<RegionStats> {
  return env.REGION_STATS.get(env.REGION_STATS.idFromName(region), { locationHint: region as DurableObjectLocationHint });
}

/** The one origin registry, for every region. */
export function originRegistry(env: Env): DurableObjectStub<OriginRegistry> {
  return env.ORIGIN_REGISTRY.get(env.ORIGIN_REGISTRY.idFromName("global"));
}

/** The one reader of origins' engine metrics, for the whole world. */
export function engineScraper(env: Env): DurableObjectStub<EngineScraper> {
  return env.ENGINE_SCRAPER.get(env.ENGINE_SCRAPER.idFromName("global"));
}

/** A batch's own object (Batch API): its lines, their answers, its dispatch. */
export function batchObject(env: Env, batchId: string): DurableObjectStub<Batch> {
  return env.BATCH.get(env.BATCH.idFromName(batchId));
}
