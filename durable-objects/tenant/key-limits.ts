// A key's own rate limits, stored as JSON beside its hash in the `keys` table
// and published in its KV grant, where isolates read them.
import { addColumn } from "./add-column";
import type { KeyGrant } from "../../worker/kv-keys";
import type { RateLimits } from "../../worker/limits/lease-protocol";

/** Objects created before keys had limits get the column on their next start. */
export function addKeyLimitsColumn(sql: SqlStorage): void {
  addColumn(sql, "keys", "limits", "TEXT");
}

/** The column's value: null when the key has no limits of its own. */
export function storedLimits(limits: RateLimits | null | undefined): string | null {
  return limits && (limits.rpm !== undefined || limits.tpm !== undefined) ? JSON.stringify(limits) : null;
}

export function readLimits(stored: string | null): RateLimits | null {
  return stored === null ? null : (JSON.parse(stored) as RateLimits);
}

/** What `key:<hash>` holds for an active key. */
export function keyGrant(tenantId: string, key: { id: string; limits: string | null }): KeyGrant {
  const limits = readLimits(key.limits);
  return { tenant_id: tenantId, key_id: key.id, ...(limits ? { limits } : {}) };
}
