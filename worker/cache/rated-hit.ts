// A thumbs-down of an answer the cache gave: the tenant's object, which
// remembers for a day which entry answered each of its requests (from their
// usage records), counts it as a wrong hit and names the entry, which is then
// evicted here (this isolate, this point of presence, KV), so the next
// identical or near request goes to the origin. Another tenant's request id
// names nothing: each object remembers only its own tenant's hits.
import { tenantObject } from "../objects/stubs";
import { entries } from "./lookup-or-send";

/** Whether the rating evicted a cache entry. */
export async function evictRatedHit(env: Env, tenantId: string, requestId: string, rating: number): Promise<boolean> {
  const verdict = await tenantObject(env, tenantId).cacheFeedback(requestId, rating);
  if (!verdict?.evict) return false;
  await entries.evict(env.KV, verdict.evict);
  return true;
}
