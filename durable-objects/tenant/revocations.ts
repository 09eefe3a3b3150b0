// Which of the tenant's keys were revoked recently. Revocation deletes the
// key's grant from KV, but a PoP's KV may serve the old grant for up to a
// minute (its edge cache), so every isolate also learns of revocations from
// the object itself, with the rules version it polls every few seconds.

/** Revocations are told to isolates this long: well past KV's edge cache (60 s). */
export const REVOCATION_MEMORY_MS = 10 * 60_000;
/** At most this many at a time (newest first); a mass revocation beyond it falls back to KV's minute. */
const MAX_REVOKED = 1_000;

export function recentlyRevoked(sql: SqlStorage, now: number): string[] {
  return sql
    .exec<{ id: string }>(`SELECT id FROM keys WHERE revoked_at >= ? ORDER BY revoked_at DESC LIMIT ?`, now - REVOCATION_MEMORY_MS, MAX_REVOKED)
    .toArray()
    .map((r) => r.id);
}
