// The tenant's rate-limit buckets: one per scope (`tenant`, `key:<id>`) and
// kind (requests, tokens), handed out to isolates in leases.
//
// Kept in memory, not in SQLite. A bucket's whole state is "how much of this
// minute's limit is used", and time restores it: an object is evicted only
// after going idle, by which point its buckets have mostly or fully refilled,
// so starting over full forgives at most one minute's worth, the same burst
// an idle minute allows anyway. In exchange a lease costs no storage write.
// The limits themselves are configuration and are stored with the profile
// and the keys; isolates send them with each lease.
import type { Amounts, Denial, LeaseGrant, LeaseRequest, LimitKind, Scope } from "../../worker/limits/lease-protocol";
import { TokenBucket } from "../../worker/limits/token-bucket";

/** Buckets beyond this are dropped oldest first (a dropped bucket comes back full). */
const MAX_BUCKETS = 10_000;
const KINDS: readonly LimitKind[] = ["requests", "tokens"];

interface Held {
  scope: Scope;
  kind: LimitKind;
  bucket: TokenBucket;
}

export class Limiter {
  private readonly buckets = new Map<string, TokenBucket>();

  /**
   * Applies the isolate's settlement, then grants between `need` and `want`
   * of each kind if every bucket has `need` (a need above a bucket's capacity
   * waits for a full bucket and leaves it in debt), else grants nothing and
   * says which bucket refused and for how long.
   */
  lease(req: LeaseRequest, now: number): LeaseGrant {
    const held = this.bucketsFor(req, now);
    for (const { kind, bucket } of held) {
      const back = req.settle[kind];
      if (back > 0) bucket.give(back, now);
      else if (back < 0) bucket.take(-back, now);
    }

    let denial: Denial | null = null;
    for (const { scope, kind, bucket } of held) {
      const wait = bucket.msUntil(req.need[kind], now);
      if (wait > 0 && (!denial || wait > denial.retryAfterMs)) denial = { scope, kind, limit: bucket.capacity, retryAfterMs: wait };
    }
    if (denial) return { ok: false, ...denial };

    const granted: Amounts = { requests: 0, tokens: 0 };
    const remaining: Amounts = { requests: 0, tokens: 0 };
    for (const kind of KINDS) {
      const ofKind = held.filter((h) => h.kind === kind);
      if (ofKind.length === 0) continue;
      const least = Math.min(...ofKind.map((h) => h.bucket.available(now)));
      const amount = Math.max(req.need[kind], Math.min(req.want[kind], Math.floor(least)));
      for (const h of ofKind) h.bucket.take(amount, now);
      granted[kind] = amount;
      remaining[kind] = Math.max(0, Math.floor(least - amount));
    }
    return { ok: true, granted, remaining };
  }

  /** The buckets this request counts against, created full or resized to the limits it carries. */
  private bucketsFor(req: LeaseRequest, now: number): Held[] {
    const held: Held[] = [];
    for (const limits of req.scopes) {
      for (const kind of KINDS) {
        const limit = kind === "requests" ? limits.rpm : limits.tpm;
        if (limit === undefined) continue;
        held.push({ scope: limits.scope, kind, bucket: this.bucket(`${limits.scope} ${kind}`, limit, now) });
      }
    }
    return held;
  }

  private bucket(name: string, limit: number, now: number): TokenBucket {
    let bucket = this.buckets.get(name);
    if (bucket) {
      this.buckets.delete(name); // re-inserted below: the map stays in least-recently-used order
      bucket.resize(limit, now);
    } else {
      if (this.buckets.size >= MAX_BUCKETS) this.buckets.delete(this.buckets.keys().next().value!);
      bucket = new TokenBucket(limit, now);
    }
    this.buckets.set(name, bucket);
    return bucket;
  }
}
