// What this isolate holds in memory that grows with traffic: every
// module-level map, cache and buffer, with its size now and its bound. For
// GET /admin/v1/isolate/structures and the load run's leak check. Sizes are
// read only when asked (a few Map sizes and short loops), never tracked.
import { evidenceCopySizes } from "../auto/quality-client";
import { accountCopySizes } from "../billing/account-client";
import { fundsGraceSizes, fundsLeaseSizes } from "../billing/gate";
import { fingerprintMemoryBytes } from "../cache/embedder";
import { semanticSizes } from "../cache/semantic";
import { flightsInAir } from "../cache/single-flight";
import { entries as responseCache } from "../cache/lookup-or-send";
import { leaseGraceSizes, leaseSizes } from "../limits/rate-limit";
import { existingUsageRecorder } from "../metering/report";
import { hedgeBudgetSizes } from "../upstream/hedge-budget";
import { REGIONS } from "../vocabulary/regions";
import { authCacheSizes } from "../tenants/auth";
import { revocationCopySizes } from "../tenants/revocations";
import { rulesCopySizes } from "../tenants/rules-client";
import { inFlight } from "./in-flight";
import { regionClientSizes } from "../objects/region-stats-client";

export interface IsolateStructure {
  name: string;
  about: string;
  size: number;
  /** Most it can hold; null when nothing caps it (it must then stay small by nature). */
  bound: number | null;
  /** Holds only work in progress: empty once traffic stops and background work is done. */
  drains: boolean;
  unit: "entries" | "requests" | "records" | "bytes";
}

type Sized = { size: number; bound: number };

const cache = (name: string, about: string, s: Sized): IsolateStructure => ({ name, about, size: s.size, bound: s.bound, drains: false, unit: "entries" });
const work = (name: string, about: string, size: number, unit: IsolateStructure["unit"] = "entries"): IsolateStructure => ({ name, about, size, bound: null, drains: true, unit });

export function isolateStructures(env: Env): IsolateStructure[] {
  const semantic = semanticSizes();
  const auth = authCacheSizes();
  const region = regionClientSizes();
  const usage = existingUsageRecorder(env)?.sizes() ?? { queues: 0, unacknowledged: 0 };
  return [
    work("origin_requests_in_flight", "Requests this isolate has open to origins (added to the region's estimate)", inFlight.total(), "requests"),
    work("coalescing_flights", "Distinct cacheable requests on their way to an origin, with identical ones waiting on them", flightsInAir()),
    work("semantic_band_writes_pending", "Semantic-index bands with a merged KV write scheduled", semantic.pendingBandWrites),
    work("stats_observations_waiting", "Origin observations not yet reported to the region objects", region.observationsWaiting, "records"),
    work("usage_records_unacknowledged", "Usage records queued or on their way to the tenants' objects", usage.unacknowledged, "records"),
    work("usage_queues", "Tenants with usage records not yet acknowledged", usage.queues),
    cache("response_cache_memory", "Exact-cache entries in the isolate tier (1 min at most)", responseCache.memorySize()),
    cache("semantic_band_lists_memory", "Semantic-index band lists in the isolate tier (5 s at most)", semantic.bandLists),
    cache("semantic_records_memory", "Semantic-index fingerprints in the isolate tier (1 min at most)", semantic.records),
    cache("semantic_band_write_times", "When this isolate last wrote each band (KV takes ~1 write/s per key)", semantic.bandWriteTimes),
    cache("api_key_grants", "API key hash -> tenant and limits, or a remembered miss (10 s)", auth.grants),
    cache("tenant_records", "Tenant records read from KV (1 s)", auth.tenants),
    cache("tenant_rules_copies", "Tenants' routing rules", rulesCopySizes()),
    cache("tenant_revocation_copies", "Tenants' recently revoked keys, as their objects last said", revocationCopySizes()),
    cache("tenant_account_copies", "Tenants' accounts for the funds check", accountCopySizes()),
    cache("auto_evidence_copies", "Tenants' feedback evidence for `auto`", evidenceCopySizes()),
    cache("rate_limit_leases", "(tenant, key) rate-limit leases", leaseSizes()),
    cache("rate_limit_grace_windows", "Tenants admitted on grace while their object was unreachable (rate limits, 1 min)", leaseGraceSizes()),
    cache("funds_leases", "Tenants' funds leases, drawn from by each admitted request (5 s each)", fundsLeaseSizes()),
    cache("funds_grace_windows", "Tenants admitted on grace while their object was unreachable (funds, 1 min)", fundsGraceSizes()),
    cache("hedge_budgets", "(tenant, ratio) hedging budgets", hedgeBudgetSizes()),
    cache("region_snapshots", "Region statistics snapshots", { size: region.snapshots, bound: REGIONS.length }),
    cache("stats_buffers", "Per-region observation buffers (empty or not)", { size: region.buffers, bound: REGIONS.length }),
    {
      name: "fingerprint_wasm_memory",
      about: "The prompt fingerprint's wasm memory: the vocabulary table plus buffers that double up to the longest prompt (1 MiB of input)",
      size: fingerprintMemoryBytes(),
      bound: null,
      drains: false,
      unit: "bytes",
    },
  ];
}
