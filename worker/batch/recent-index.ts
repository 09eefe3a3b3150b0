// Every tenant's batches in one index, newest first, for the operator's
// dashboard: one R2 list reads the latest batches across tenants (the
// per-tenant index in files-store.ts would need a list per tenant). Each key
// names its batch and tenant, so no object is read to find them.
import { isBatchId } from "./ids";

const PREFIX = "recent-batches/";
/** Creation times (Unix seconds) are subtracted from this so that the lexical order is newest first. */
const SPAN = 1e13;

export interface RecentBatch {
  batchId: string;
  tenantId: string;
}

/** `createdAt` in Unix seconds, as the batch object says it. */
export const recentKey = (tenantId: string, batchId: string, createdAt: number): string =>
  `${PREFIX}${String(SPAN - createdAt).padStart(14, "0")}-${batchId}/${tenantId}`;

/** The batch and tenant a key names; null for a key not made by recentKey. */
export function parseRecentKey(key: string): RecentBatch | null {
  const m = /^recent-batches\/\d{14}-([^/]+)\/([^/]+)$/.exec(key);
  return m && isBatchId(m[1]!) ? { batchId: m[1]!, tenantId: m[2]! } : null;
}

export async function indexRecentBatch(bucket: R2Bucket, tenantId: string, batchId: string, createdAt: number): Promise<void> {
  await bucket.put(recentKey(tenantId, batchId, createdAt), "");
}

/** The `limit` newest batches across tenants. */
export async function listRecentBatches(bucket: R2Bucket, limit: number): Promise<RecentBatch[]> {
  const listed = await bucket.list({ prefix: PREFIX, limit });
  return listed.objects.map((o) => parseRecentKey(o.key)).filter((b) => b !== null);
}
