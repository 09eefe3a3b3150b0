// Limits on the tenant's calls that do not go to an origin (`POST
// /v1/feedback`, `GET /v1/usage`): each one is work for this object, so a
// tenant, or one of its keys, gets a fixed number per minute. Buckets live in
// memory like the rate limiter's (see limiter.ts for why that is enough).
import { TokenBucket } from "../../worker/limits/token-bucket";
import type { LimitedCall } from "../../worker/tenants/call-protocol";

/** Per minute, for each key and for the whole tenant. A rating per answer, a usage read-out now and then. */
export const CALL_LIMITS: Readonly<Record<LimitedCall, { key: number; tenant: number }>> = {
  feedback: { key: 600, tenant: 3_000 },
  usage: { key: 120, tenant: 600 },
};

/** Buckets beyond this are dropped oldest first (a dropped bucket comes back full). */
const MAX_BUCKETS = 10_000;

export class CallLimits {
  private readonly buckets = new Map<string, TokenBucket>();

  /** Takes one call for the key and its tenant; 0 if admitted, else milliseconds until it would be. */
  take(call: LimitedCall, keyId: string, now: number): number {
    const limits = CALL_LIMITS[call];
    const held = [this.bucket(`${call}:tenant`, limits.tenant, now), this.bucket(`${call}:key:${keyId}`, limits.key, now)];
    const wait = Math.max(...held.map((b) => b.msUntil(1, now)));
    if (wait > 0) return wait;
    for (const b of held) b.take(1, now);
    return 0;
  }

  private bucket(name: string, limit: number, now: number): TokenBucket {
    let bucket = this.buckets.get(name);
    if (bucket) {
      this.buckets.delete(name); // re-inserted last: the map stays in order of use
    } else {
      if (this.buckets.size >= MAX_BUCKETS) this.buckets.delete(this.buckets.keys().next().value!);
      bucket = new TokenBucket(limit, now);
    }
    this.buckets.set(name, bucket);
    return bucket;
  }
}
