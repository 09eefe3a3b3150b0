// What an isolate polls the tenant's object for every few seconds
// (rules-client.ts): the rules version, and the recently revoked keys.

/** What an isolate polls the tenant's object for. */
export interface TenantPoll {
  rules: number;
  /** Ids of keys revoked within REVOCATION_MEMORY_MS (durable-objects/tenant/revocations.ts). */
  revoked: string[];
  /** The near-duplicate cut the cache's measured precision tightened to; null: none (durable-objects/tenant/cache-precision.ts). */
  cache_cut?: number | null;
  /** The number of the tenant's newest cache eviction (0: none); when it moves, isolates fetch the evicted keys and drop their copies. */
  cache_evictions?: number;
}
