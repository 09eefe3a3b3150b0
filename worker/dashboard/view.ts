// The dashboard's data, shaped for display: no bindings here, so the page
// and the JSON the live refresh fetches are built from one pure function.
import type { CachePrecisionReport } from "../cache/precision-report";
import type { UsageTotals } from "../billing/account";
import { own } from "../own";
import type { Origin } from "../schemas/admin";
import type { CircuitState } from "../health/breaker";
import type { OriginSummary } from "../stats/origin-stats";
import type { RegionSnapshot } from "../stats/region-snapshot";
import type { EngineLoadReadout, LoadPoint } from "../stats/engine-load-series";
import type { BatchRow } from "./batches";

/** One heat-map cell: how an origin looks from one region. */
export interface HeatCell {
  region: string;
  circuit: CircuitState;
  requests: number;
  /** Time to first token, over the origin's models (the slowest one: what an operator must watch). */
  p50_ms: number | null;
  p99_ms: number | null;
}

export interface OriginRow {
  id: string;
  region: string;
  draining: boolean;
  cells: HeatCell[];
}

export interface TenantUsage {
  id: string;
  name: string;
  totals: UsageTotals;
  /** The cache's measured precision this month (absent: not read). */
  cache_precision?: CachePrecisionReport;
  /** A committed-spend agreement's month (absent: none). */
  agreement?: { committed_usd: number; used_usd: number; remaining_usd: number } | undefined;
}

export interface TenantRow {
  id: string;
  name: string;
  requests: number;
  cache_hits: number;
  /** cache_hits / requests, 0..1; null before the first request. */
  cache_hit_rate: number | null;
  spend_usd: number;
  saved_usd: number;
  /** The near-duplicate cache's measured precision this month, with its 95% Wilson interval; null without evidence. */
  cache_precision: { precision: number; low: number; high: number; n: number; threshold: number; tightened: boolean } | null;
  /** What outcome rules did not charge, and what thumbs-down refunds gave back (docs/billing.md). */
  waived_usd: number;
  refunded_usd: number;
  /** A committed-spend agreement this month: committed and used so far; null without one. */
  commitment: { committed_usd: number; used_usd: number } | null;
}

/** Where one region's traffic went over the statistics window (the last minute): each origin's share of its requests. */
export interface RegionTraffic {
  region: string;
  requests: number;
  /** By origin id, for every registered origin; null when the region sent nothing. */
  shares: { origin: string; requests: number; share: number | null }[];
}

/** An origin that names its engine's metrics: its current load and the last hour, minute by minute. */
export interface EngineRow {
  id: string;
  format: string;
  /** Null when the last reading is stale or there was none. */
  load: { waiting: number; running: number; kv_usage: number; prefix_hit_rate: number | null } | null;
  series: LoadPoint[];
}

export interface DashboardView {
  at: number;
  regions: string[];
  origins: OriginRow[];
  traffic: RegionTraffic[];
  engines: EngineRow[];
  tenants: TenantRow[];
  /** The newest batches across tenants (batches.ts). */
  batches: BatchRow[];
}

export function dashboardView(snapshots: readonly RegionSnapshot[], origins: readonly Origin[], tenants: readonly TenantUsage[], now: number, engines: EngineLoadReadout | null = null, batches: BatchRow[] = []): DashboardView {
  return {
    at: now,
    regions: snapshots.map((s) => s.region),
    origins: origins.map((origin) => ({
      id: origin.id,
      region: origin.region,
      draining: origin.draining,
      cells: snapshots.map((s) => heatCell(s.region, own(s.origins, origin.id))),
    })),
    traffic: snapshots.map((s) => regionTraffic(s, origins)),
    engines: origins.filter((o) => o.metrics).map((o) => engineRow(o, own(engines?.origins, o.id))),
    tenants: tenants.map(tenantRow).sort((a, b) => b.requests - a.requests || a.id.localeCompare(b.id)),
    batches,
  };
}

export function heatCell(region: string, summary: OriginSummary | undefined): HeatCell {
  if (!summary) return { region, circuit: "closed", requests: 0, p50_ms: null, p99_ms: null };
  let p50: number | null = null;
  let p99: number | null = null;
  for (const model of Object.values(summary.models)) {
    if (model.ttftP50 !== null) p50 = Math.max(p50 ?? 0, model.ttftP50);
    if (model.ttftP99 !== null) p99 = Math.max(p99 ?? 0, model.ttftP99);
  }
  return { region, circuit: summary.circuit, requests: summary.ok + summary.err, p50_ms: round(p50), p99_ms: round(p99) };
}

export function regionTraffic(snapshot: RegionSnapshot, origins: readonly Origin[]): RegionTraffic {
  const counts = origins.map((o) => {
    const s = own(snapshot.origins, o.id);
    return { origin: o.id, requests: s ? s.ok + s.err : 0 };
  });
  const requests = counts.reduce((sum, c) => sum + c.requests, 0);
  return { region: snapshot.region, requests, shares: counts.map((c) => ({ ...c, share: requests > 0 ? c.requests / requests : null })) };
}

function engineRow(origin: Origin, read: EngineLoadReadout["origins"][string] | undefined): EngineRow {
  const load = read?.load;
  return {
    id: origin.id,
    format: origin.metrics!.format,
    load: load ? { waiting: load.waiting, running: load.running, kv_usage: load.kvUsage, prefix_hit_rate: load.prefixHitRate } : null,
    series: read?.series ?? [],
  };
}

function tenantRow(t: TenantUsage): TenantRow {
  const { requests, cache_hits, cost_usd, saved_usd } = t.totals;
  const outcomes = { waived_usd: t.totals.waived_usd ?? 0, refunded_usd: t.totals.refunded_usd ?? 0 };
  const commitment = t.agreement ? { committed_usd: t.agreement.committed_usd, used_usd: t.agreement.used_usd } : null;
  return { id: t.id, name: t.name, requests, cache_hits, cache_hit_rate: requests > 0 ? cache_hits / requests : null, spend_usd: cost_usd, saved_usd, cache_precision: precisionCell(t.cache_precision), ...outcomes, commitment };
}

function precisionCell(p: CachePrecisionReport | undefined): TenantRow["cache_precision"] {
  if (!p || p.precision === null) return null;
  const n = p.agree + p.disagree + p.thumbs_down;
  return { precision: p.precision, low: p.wilson_low, high: p.wilson_high, n, threshold: p.threshold.effective, tightened: p.threshold.tightened !== null };
}

const round = (ms: number | null) => (ms === null ? null : Math.round(ms));
