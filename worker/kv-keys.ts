// The KV layout of the global read path. Durable Objects are the source of
// truth and publish here; isolates only read.
import type { RateLimits } from "./limits/lease-protocol";

export const KV_ORIGINS = "origins";
export const kvTenant = (tenantId: string) => `tenant:${tenantId}`;
export const kvKey = (keyHash: string) => `key:${keyHash}`;
/** The tenant's current routing rules (a `RulesVersion`). */
export const kvRules = (tenantId: string) => `rules:${tenantId}`;
export const KV_TENANT_PREFIX = "tenant:";
/** The tenant's tightened near-duplicate cut (`{ cut: number | null }`), for isolates that have not polled its object yet. */
export const kvCacheCut = (tenantId: string) => `cache-cut:${tenantId}`;

/** What `key:<sha256>` holds. */
export interface KeyGrant {
  tenant_id: string;
  key_id: string;
  /** The key's own rate limits, so isolates know them without asking the object. */
  limits?: RateLimits;
}
