import { kvKey, type KeyGrant } from "../../worker/kv-keys";

/**
 * Whether the read path grants this key hash to a tenant other than `tenantId`.
 * KV's `key:<hash>` is what every isolate resolves a key with, so importing a
 * hash held elsewhere would move that tenant's key (and its traffic and bill).
 * KV is eventually consistent: two imports of one secret into two tenants
 * within a propagation window can both pass; the read is the fresh one here.
 */
export async function keyHeldElsewhere(kv: KVNamespace, hash: string, tenantId: string): Promise<boolean> {
  const grant = await kv.get<KeyGrant>(kvKey(hash), "json");
  return grant !== null && grant.tenant_id !== tenantId;
}
