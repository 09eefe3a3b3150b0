import { bearerToken, sha256Hex } from "../auth/crypto";
import { unauthorized } from "../http/errors";
import { TtlCache } from "../http/ttl-cache";
import { kvKey, kvTenant, type KeyGrant } from "../kv-keys";
import type { RateLimits } from "../limits/lease-protocol";
import type { TenantRecord } from "../schemas/admin";
import type { Settings } from "../settings";
import { isRevoked } from "./revocations";
import { heardFromTenant } from "./rules-client";

type WaitUntil = (p: Promise<unknown>) => void;

/** Who is calling, as the request path needs it. */
export interface Caller {
  tenant: TenantRecord;
  keyId: string;
  /** The key's own rate limits (the tenant's are in its record). */
  keyLimits: RateLimits | undefined;
}

// Short isolate caches keep KV off most requests. KV itself may serve a
// revoked key's grant for up to a minute at a PoP (its edge cache), so a
// grant is also checked against the tenant's recently revoked keys, which
// every isolate hears from the tenant's object with its rules poll: a revoked
// key stops working in the isolate that revoked it at once (see `forgetKey`)
// and in every other within `revocationBoundMs`.
const KEY_TTL_MS = 10_000;
const MISS_TTL_MS = 3_000;
const grants = new TtlCache<KeyGrant | null>(10_000);
const tenants = new TtlCache<TenantRecord | null>(1_000);

/**
 * How old this isolate's knowledge of a tenant's revocations may be when a
 * request is admitted: two poll intervals (4 s by default). Older, the
 * request waits for the tenant's object (an isolate that has been idle for
 * the tenant); while the tenant has traffic, the background poll keeps it
 * within one interval.
 */
export const revocationBoundMs = (config: Settings): number => 2 * config.rulesCheckMs;

export async function authenticate(env: Env, authorization: string | undefined, config: Settings, waitUntil: WaitUntil): Promise<Caller> {
  const token = bearerToken(authorization);
  if (!token) throw unauthorized("Missing API key: send `Authorization: Bearer <key>`.");
  if (token.length > 512) throw unauthorized("Invalid API key.");

  const kv = env.KV;
  const hash = await sha256Hex(token);
  const grant = await cached(grants, hash, () => kv.get<KeyGrant>(kvKey(hash), "json"));
  if (!grant) throw unauthorized("Invalid API key.");
  // The tenant's record and, when this isolate's copy is too old, its revoked keys: read side by side.
  const [tenant] = await Promise.all([
    cached(tenants, grant.tenant_id, () => kv.get<TenantRecord>(kvTenant(grant.tenant_id), "json")),
    heardFromTenant(env, grant.tenant_id, revocationBoundMs(config), config.rulesCheckMs, waitUntil),
  ]);
  if (isRevoked(grant.tenant_id, grant.key_id)) {
    grants.set(hash, null, MISS_TTL_MS); // KV may still serve the grant: do not ask it again at once
    throw unauthorized("Invalid API key.");
  }
  if (!tenant) throw unauthorized("Invalid API key.");
  return { tenant, keyId: grant.key_id, keyLimits: grant.limits };
}

async function cached<V>(cache: TtlCache<V | null>, key: string, load: () => Promise<V | null>): Promise<V | null> {
  const hit = cache.get(key);
  if (hit !== undefined) return hit;
  const value = await load();
  cache.set(key, value, value ? KEY_TTL_MS : MISS_TTL_MS);
  return value;
}

/** For the isolate read-out: the key and tenant caches and their bounds. */
export function authCacheSizes() {
  return { grants: { size: grants.size, bound: grants.bound }, tenants: { size: tenants.size, bound: tenants.bound } };
}

/** Drops a key or tenant from this isolate's caches after an admin write. */
export function forgetKey(hash: string): void {
  grants.delete(hash);
}

export function forgetTenant(tenantId: string): void {
  tenants.delete(tenantId);
}
