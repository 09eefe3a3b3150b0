// The Tenant object's side of the cache's self-measurement, so that the
// object only hands it usage batches and ratings (see cache-precision.ts for
// the tables and worker/cache/threshold-control.ts for the rule).
import { entries } from "../../worker/cache/lookup-or-send";
import { DEFAULT_THRESHOLD } from "../../worker/cache/similarity";
import type { CutPolicy } from "../../worker/cache/threshold-control";
import { kvCacheCut } from "../../worker/kv-keys";
import type { UsageRecord } from "../../worker/metering/usage-record";
import type { CacheSettings } from "../../worker/schemas/admin";
import {
  cachePrecisionReport,
  cutState,
  evictionSeq,
  evictionsSince,
  judgeHit,
  noteEviction,
  recordShadowCalls,
  rememberHits,
  settleCut,
  splitShadow,
  type CachePrecisionReport,
} from "./cache-precision";

/** The required precision when the tenant sets none. */
export const DEFAULT_PRECISION_TARGET = 0.99;

export interface CacheKeeperHost {
  sql: SqlStorage;
  kv: KVNamespace;
  tenantId: () => string;
  /** The tenant's cache settings now (from its current rules). */
  settings: () => CacheSettings | undefined;
  /** Publishes to KV, retried by the object's alarm on failure. */
  publish: (write: () => Promise<void>) => Promise<void>;
  /** Records a change of the cut in the audit log. */
  audit: (action: string, detail: Record<string, unknown>) => void;
}

export class CacheKeeper {
  constructor(private readonly host: CacheKeeperHost) {}

  /** Takes the shadow calls out of a usage batch (counted here, never billed) and remembers its cache hits; returns the records to bill. */
  onUsage(batch: UsageRecord[], now: number): UsageRecord[] {
    const { shadow, billed } = splitShadow(batch);
    const sql = this.host.sql;
    const before = cutState(sql);
    let state = shadow.length > 0 ? recordShadowCalls(sql, shadow, before) : before;
    // A thumbs-down that arrived before its request's usage record counts now.
    for (const hit of rememberHits(sql, billed)) {
      state = judgeHit(sql, hit.requestId, 0, now, state).state;
      noteEviction(sql, hit.key, now);
      void this.host.publish(() => entries.evict(this.host.kv, hit.key));
    }
    if (state !== before) this.settle(state, now);
    return billed;
  }

  /** A rating of a request: a thumbs-down of a cached answer is a wrong hit, and its entry's key comes back to be evicted. */
  onRating(requestId: string, rating: number, now: number): { evict: string | null } {
    const judged = judgeHit(this.host.sql, requestId, rating, now, cutState(this.host.sql));
    if (!judged.key) return { evict: null };
    noteEviction(this.host.sql, judged.key, now);
    this.settle(judged.state, now);
    return { evict: judged.key };
  }

  /** The newest eviction's number, which isolates poll. */
  evictionSeq(): number {
    return evictionSeq(this.host.sql);
  }

  /** Keys evicted after `afterSeq` that may still be held somewhere (within the tenant's entry lifetime). */
  evictionsSince(afterSeq: number, now: number): { seq: number; keys: string[] } {
    const ttlS = this.host.settings()?.ttl_s ?? 3_600;
    return evictionsSince(this.host.sql, Number.isFinite(afterSeq) ? afterSeq : 0, ttlS * 1000, now);
  }

  /** The tightened cut isolates use, or null (they poll it with the rules version). */
  cut(): number | null {
    const policy = this.policy();
    const cut = cutState(this.host.sql).cut;
    return cut !== null && cut > policy.configured ? cut : null;
  }

  report(from: string, to: string): CachePrecisionReport {
    return cachePrecisionReport(this.host.sql, from, to, { ...this.policy(), configuredByTenant: this.host.settings()?.threshold ?? null });
  }

  /** Republishes the cut (the object's alarm, after a failed publication). */
  republish(): Promise<void> {
    return this.host.kv.put(kvCacheCut(this.host.tenantId()), JSON.stringify({ cut: this.cut() }));
  }

  private settle(state: ReturnType<typeof cutState>, now: number): void {
    const settled = settleCut(this.host.sql, state, this.policy(), now);
    if (!settled.changed) return;
    this.host.audit(settled.state.cut !== null && settled.state.cut > (settled.from ?? 0) ? "cache.tighten" : "cache.loosen", { from: settled.from, to: settled.state.cut });
    void this.host.publish(() => this.republish());
  }

  private policy(): CutPolicy {
    const s = this.host.settings();
    return { configured: s?.threshold ?? DEFAULT_THRESHOLD, target: s?.precision_target ?? DEFAULT_PRECISION_TARGET };
  }
}
