// What the dashboard shows, gathered from the bindings: every region's view of
// every origin (the RegionStats objects), the engines' load over the last hour
// (the EngineScraper object), this month's usage per tenant (the Tenant objects)
// and the newest batches (one R2 list, then their objects and their tenants'
// ledgers). The shaping itself is pure (see view.ts and batches.ts).
import { usageRange } from "../billing/calendar";
import { KV_TENANT_PREFIX } from "../kv-keys";
import { originSnapshot } from "../origins/snapshot";
import { REGIONS } from "../vocabulary/regions";
import type { TenantRecord } from "../schemas/admin";
import { dashboardView, type DashboardView, type TenantUsage } from "./view";
import { listRecentBatches } from "../batch/recent-index";
import { batchRows, type BatchRow } from "./batches";
import { batchObject, engineScraper, regionStatsObject, tenantObject } from "../objects/stubs";

/** Tenants listed on one page of the dashboard (KV list's own page size). */
const MAX_TENANTS = 1000;
/** Batches the table shows, newest first. */
const RECENT_BATCHES = 20;

export async function dashboardData(env: Env, waitUntil: (p: Promise<unknown>) => void): Promise<DashboardView> {
  const [snapshots, registry, tenants, engines, batches] = await Promise.all([
    Promise.all(REGIONS.map((region) => regionStatsObject(env, region).snapshot(region))),
    originSnapshot(env.KV, waitUntil),
    tenantUsage(env),
    // If the scraper does not answer, the page shows the rest without it.
    engineScraper(env).readout().catch(() => null),
    // Likewise without the batches.
    recentBatches(env).catch(() => []),
  ]);
  return dashboardView(snapshots, registry.origins, tenants, Date.now(), engines, batches);
}

async function tenantUsage(env: Env): Promise<TenantUsage[]> {
  const listed = await env.KV.list({ prefix: KV_TENANT_PREFIX, limit: MAX_TENANTS });
  const range = usageRange({}, Date.now());
  const rows = await Promise.all(
    listed.keys.map(async (k) => {
      const tenant = await env.KV.get<TenantRecord>(k.name, "json");
      if (!tenant) return null;
      const report = await tenantObject(env, tenant.id).usage(range);
      return report ? { id: tenant.id, name: tenant.name, totals: report.totals, cache_precision: report.cache_precision, agreement: report.account.agreement } : null;
    }),
  );
  return rows.filter((r) => r !== null);
}

async function recentBatches(env: Env): Promise<BatchRow[]> {
  const recent = await listRecentBatches(env.BATCH_FILES, RECENT_BATCHES);
  const byTenant = new Map<string, string[]>();
  for (const r of recent) byTenant.set(r.tenantId, [...(byTenant.get(r.tenantId) ?? []), r.batchId]);
  const [batches, charges] = await Promise.all([
    Promise.all(recent.map(async (r) => ({ tenantId: r.tenantId, batch: await batchObject(env, r.batchId).get(r.tenantId) }))),
    Promise.all([...byTenant].map(([tenantId, ids]) => tenantObject(env, tenantId).batchCharges(ids))),
  ]);
  return batchRows(
    batches.flatMap((b) => (b.batch ? [{ tenantId: b.tenantId, batch: b.batch }] : [])),
    charges.flat(),
  );
}
