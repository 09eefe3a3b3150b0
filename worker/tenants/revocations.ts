// This isolate's knowledge of each tenant's recently revoked keys, as the
// tenant's object last told it (see durable-objects/tenant/revocations.ts).
// A cached or KV-served grant of a key listed here is refused.

const MAX_TENANTS = 10_000;

interface Entry {
  revoked: ReadonlySet<string>;
  /** When the object last answered (ms since epoch). */
  heardAt: number;
}

const entries = new Map<string, Entry>();

/** Takes the object's list of recently revoked keys. */
export function noteRevocations(tenantId: string, keyIds: readonly string[], at: number): void {
  entries.delete(tenantId); // re-inserted last: the oldest-heard tenant is the one evicted
  if (entries.size >= MAX_TENANTS) entries.delete(entries.keys().next().value!);
  entries.set(tenantId, { revoked: new Set(keyIds), heardAt: at });
}

export function isRevoked(tenantId: string, keyId: string): boolean {
  return entries.get(tenantId)?.revoked.has(keyId) ?? false;
}

/** When this isolate last heard the tenant's revocations (0: never). */
export function revocationsHeardAt(tenantId: string): number {
  return entries.get(tenantId)?.heardAt ?? 0;
}

/** Tenants whose revocations this isolate holds, and the bound (for the isolate read-out). */
export const revocationCopySizes = () => ({ size: entries.size, bound: MAX_TENANTS });
