// The cache's measured precision, kept by the tenant's object: verdicts of
// shadow calls (a sampled share of near-duplicate hits also answered by the
// origin) and thumbs-down ratings of cached answers, by UTC day; the shadow
// calls' cost, which is the operator's (never in the tenant's ledger); which
// entry answered each recent cache hit (so a thumbs-down can evict it); and
// the tightened near-duplicate cut those verdicts lead to
// (worker/cache/threshold-control.ts), which isolates get with their rules poll.
import { utcDay } from "../../worker/billing/calendar";
import { charge, isNanos, nanosToUsd } from "../../worker/billing/pricing";
import { effectiveCut, NO_EVIDENCE, nextCut, wilson, withVerdict, type CutPolicy, type CutState } from "../../worker/cache/threshold-control";
import type { CachePrecisionReport } from "../../worker/cache/precision-report";
import type { UsageRecord } from "../../worker/metering/usage-record";

export type { CachePrecisionReport };

const DAY_MS = 86_400_000;
/** A cached answer may be rated this long after it was given. */
const HIT_MEMORY_MS = DAY_MS;
/** And at most this many hits are remembered, newest kept. */
export const MAX_REMEMBERED_HITS = 200_000;
/** Shadow usage ids are remembered as long as the ledger remembers usage ids: a retried batch counts once. */
const SHADOW_ID_RETENTION_MS = 35 * DAY_MS;
/** A rating below this is a thumbs-down (`down` is 0). */
export const THUMBS_DOWN_BELOW = 0.5;

export function createCachePrecisionTables(sql: SqlStorage): void {
  sql.exec(`CREATE TABLE IF NOT EXISTS cache_hits (request_id TEXT PRIMARY KEY, cache_key TEXT NOT NULL, semantic INTEGER NOT NULL, similarity REAL, at INTEGER NOT NULL, judged INTEGER NOT NULL)`);
  sql.exec(`CREATE INDEX IF NOT EXISTS cache_hits_by_age ON cache_hits (at)`);
  sql.exec(
    `CREATE TABLE IF NOT EXISTS cache_precision_daily (day TEXT PRIMARY KEY, agree INTEGER NOT NULL, disagree INTEGER NOT NULL, unjudged INTEGER NOT NULL,
      thumbs_down INTEGER NOT NULL, exact_thumbs_down INTEGER NOT NULL, shadow_calls INTEGER NOT NULL, shadow_input_tokens INTEGER NOT NULL,
      shadow_output_tokens INTEGER NOT NULL, shadow_cost_nanos INTEGER NOT NULL)`,
  );
  sql.exec(`CREATE TABLE IF NOT EXISTS shadow_events (id TEXT PRIMARY KEY, at INTEGER NOT NULL)`);
  sql.exec(`CREATE INDEX IF NOT EXISTS shadow_events_by_age ON shadow_events (at)`);
  sql.exec(`CREATE TABLE IF NOT EXISTS cache_cut (id INTEGER PRIMARY KEY CHECK (id = 1), body TEXT NOT NULL, changed_at INTEGER NOT NULL)`);
  sql.exec(`CREATE TABLE IF NOT EXISTS cache_evictions (seq INTEGER PRIMARY KEY AUTOINCREMENT, cache_key TEXT NOT NULL, at INTEGER NOT NULL)`);
}

/** At most this many evicted keys go to an isolate at once (newest first). */
export const MAX_EVICTIONS_SENT = 100;
/** Evictions are kept as long as an entry may live. */
const EVICTION_RETENTION_MS = 30 * DAY_MS;

/** Remembers an evicted entry so that every isolate drops its copies (they hear of it with their rules poll). */
export function noteEviction(sql: SqlStorage, key: string, now: number): void {
  sql.exec(`INSERT INTO cache_evictions (cache_key, at) VALUES (?, ?)`, key, now);
}

/** The newest eviction's sequence number (0: none): what isolates poll. */
export function evictionSeq(sql: SqlStorage): number {
  return sql.exec<{ seq: number | null }>(`SELECT MAX(seq) AS seq FROM cache_evictions`).one().seq ?? 0;
}

/**
 * Keys evicted after `afterSeq` and within `withinMs` (entries older than that
 * have expired anyway), oldest first, at most MAX_EVICTIONS_SENT; `seq` is the
 * last one handed out, so an isolate far behind catches up over several polls.
 */
export function evictionsSince(sql: SqlStorage, afterSeq: number, withinMs: number, now: number): { seq: number; keys: string[] } {
  const rows = sql
    .exec<{ seq: number; cache_key: string }>(`SELECT seq, cache_key FROM cache_evictions WHERE seq > ? AND at >= ? ORDER BY seq LIMIT ?`, afterSeq, now - withinMs, MAX_EVICTIONS_SENT)
    .toArray();
  return { seq: rows.length === MAX_EVICTIONS_SENT ? rows.at(-1)!.seq : evictionSeq(sql), keys: rows.map((r) => r.cache_key) };
}

/** The records of a batch that are shadow calls (they belong here, not in the ledger), and the rest. */
export function splitShadow(batch: readonly UsageRecord[]): { shadow: UsageRecord[]; billed: UsageRecord[] } {
  const shadow: UsageRecord[] = [];
  const billed: UsageRecord[] = [];
  for (const r of batch) (r.shadow ? shadow : billed).push(r);
  return { shadow, billed };
}

type DayCounts = { agree: number; disagree: number; unjudged: number; thumbs_down: number; exact_thumbs_down: number; calls: number; input: number; output: number; cost: number };
const emptyDay = (): DayCounts => ({ agree: 0, disagree: 0, unjudged: 0, thumbs_down: 0, exact_thumbs_down: 0, calls: 0, input: 0, output: 0, cost: 0 });

/**
 * Counts shadow calls (each once, by usage id): verdicts into the day's
 * precision and the cut's evidence, cost at list price into the operator's
 * column. Returns the evidence for the cut.
 */
export function recordShadowCalls(sql: SqlStorage, records: readonly UsageRecord[], state: CutState): CutState {
  const days = new Map<string, DayCounts>();
  for (const r of records) {
    const inserted = sql.exec(`INSERT INTO shadow_events (id, at) VALUES (?, ?) ON CONFLICT (id) DO NOTHING`, r.id, r.at).rowsWritten;
    if (inserted === 0) continue;
    const day = utcDay(r.at);
    let d = days.get(day);
    if (!d) days.set(day, (d = emptyDay()));
    const { costNanos } = charge({ pricing: undefined, model: r.model, listPrice: r.list_price, inputTokens: r.input_tokens, outputTokens: r.output_tokens, cacheHit: false, monthTokens: 0 });
    d.calls++;
    d.input += wholeTokens(r.input_tokens);
    d.output += wholeTokens(r.output_tokens);
    d.cost += isNanos(costNanos) ? costNanos : 0;
    const verdict = r.shadow!.verdict;
    if (verdict === "none") d.unjudged++;
    else {
      if (verdict === "agree") d.agree++;
      else d.disagree++;
      state = withVerdict(state, verdict === "agree", r.shadow!.hit_similarity);
    }
  }
  for (const [day, d] of days) addToDay(sql, day, d);
  return state;
}

/** Remembers which entry answered each cache hit of a batch; returns the hits already rated down (their rating came first). */
export function rememberHits(sql: SqlStorage, records: readonly UsageRecord[]): { requestId: string; key: string }[] {
  const ratedFirst: { requestId: string; key: string }[] = [];
  for (const r of records) {
    if (!r.cache_key || (r.cache !== "hit-exact" && r.cache !== "hit-semantic")) continue;
    const similarity = typeof r.cache_similarity === "number" ? r.cache_similarity : null;
    const inserted = sql.exec(
      `INSERT INTO cache_hits (request_id, cache_key, semantic, similarity, at, judged) VALUES (?, ?, ?, ?, ?, 0) ON CONFLICT (request_id) DO NOTHING`,
      r.request_id, r.cache_key, r.cache === "hit-semantic" ? 1 : 0, similarity, r.at,
    ).rowsWritten;
    if (inserted === 0) continue;
    const rating = sql.exec<{ rating: number }>(`SELECT rating FROM feedback WHERE request_id = ?`, r.request_id).toArray()[0];
    if (rating && rating.rating < THUMBS_DOWN_BELOW) ratedFirst.push({ requestId: r.request_id, key: r.cache_key });
  }
  return ratedFirst;
}

/**
 * A rating of a request: when it is a thumbs-down and the request was
 * answered by the cache (and not counted yet), it counts as a wrong hit and
 * the entry's key comes back to be evicted. Near-duplicate hits feed the
 * cut's evidence; exact hits are counted apart (the stored answer was bad,
 * not the match).
 */
export function judgeHit(sql: SqlStorage, requestId: string, rating: number, now: number, state: CutState): { key: string | null; state: CutState } {
  if (!(rating < THUMBS_DOWN_BELOW)) return { key: null, state };
  const hit = sql.exec<{ cache_key: string; semantic: number; similarity: number | null }>(`SELECT cache_key, semantic, similarity FROM cache_hits WHERE request_id = ? AND judged = 0`, requestId).toArray()[0];
  if (!hit) return { key: null, state };
  sql.exec(`UPDATE cache_hits SET judged = 1 WHERE request_id = ?`, requestId);
  const d = emptyDay();
  if (hit.semantic) {
    d.thumbs_down = 1;
    state = withVerdict(state, false, hit.similarity);
  } else d.exact_thumbs_down = 1;
  addToDay(sql, utcDay(now), d);
  return { key: hit.cache_key, state };
}

/** The cut's state as stored (no row: no evidence, no tightening). */
export function cutState(sql: SqlStorage): CutState {
  const row = sql.exec<{ body: string }>(`SELECT body FROM cache_cut WHERE id = 1`).toArray()[0];
  return row ? { ...NO_EVIDENCE, ...(JSON.parse(row.body) as CutState) } : NO_EVIDENCE;
}

/** Applies the control rule to `state`, stores it, and says whether the cut changed (isolates must hear of it). */
export function settleCut(sql: SqlStorage, state: CutState, policy: CutPolicy, now: number): { state: CutState; changed: boolean; from: number | null } {
  const before = cutState(sql);
  const next = nextCut(state, policy);
  const changed = next.cut !== before.cut;
  sql.exec(
    `INSERT INTO cache_cut (id, body, changed_at) VALUES (1, ?, ?) ON CONFLICT (id) DO UPDATE SET body = excluded.body, changed_at = CASE WHEN ? THEN excluded.changed_at ELSE changed_at END`,
    JSON.stringify(next), now, changed ? 1 : 0,
  );
  return { state: next, changed, from: before.cut };
}

/** The read-out over an inclusive range of UTC days (the whole tenant: shadow calls are not split by model or key). */
export function cachePrecisionReport(sql: SqlStorage, from: string, to: string, policy: CutPolicy & { configuredByTenant: number | null }): CachePrecisionReport {
  type Row = { agree: number | null; disagree: number | null; unjudged: number | null; thumbs_down: number | null; exact_thumbs_down: number | null; calls: number | null; input: number | null; output: number | null; cost: number | null };
  const r = sql
    .exec<Row>(
      `SELECT SUM(agree) AS agree, SUM(disagree) AS disagree, SUM(unjudged) AS unjudged, SUM(thumbs_down) AS thumbs_down, SUM(exact_thumbs_down) AS exact_thumbs_down,
          SUM(shadow_calls) AS calls, SUM(shadow_input_tokens) AS input, SUM(shadow_output_tokens) AS output, SUM(shadow_cost_nanos) AS cost
        FROM cache_precision_daily WHERE day >= ? AND day <= ?`,
      from, to,
    )
    .one();
  const agree = r.agree ?? 0;
  const disagree = r.disagree ?? 0;
  const thumbsDown = r.thumbs_down ?? 0;
  const n = agree + disagree + thumbsDown;
  const interval = wilson(agree, n);
  const state = cutState(sql);
  const tightened = state.cut !== null && state.cut > policy.configured ? state.cut : null;
  return {
    verified: agree + disagree,
    agree,
    disagree,
    unsure: r.unjudged ?? 0,
    thumbs_down: thumbsDown,
    exact_thumbs_down: r.exact_thumbs_down ?? 0,
    precision: n > 0 ? agree / n : null,
    wilson_low: round4(interval.low),
    wilson_high: round4(interval.high),
    target: policy.target,
    threshold: { configured: policy.configuredByTenant, tightened, effective: effectiveCut(state, policy.configured) },
    shadow: { calls: r.calls ?? 0, input_tokens: r.input ?? 0, output_tokens: r.output ?? 0, operator_cost_usd: nanosToUsd(r.cost ?? 0) },
  };
}

/** Forgets hits too old to be rated and shadow ids past retention (the daily counts stay). */
export function pruneCachePrecision(sql: SqlStorage, now: number): void {
  sql.exec(`DELETE FROM cache_hits WHERE at < ?`, now - HIT_MEMORY_MS);
  const oldestKept = sql.exec<{ at: number }>(`SELECT at FROM cache_hits ORDER BY at DESC LIMIT 1 OFFSET ?`, MAX_REMEMBERED_HITS - 1).toArray()[0];
  if (oldestKept) sql.exec(`DELETE FROM cache_hits WHERE at < ?`, oldestKept.at);
  sql.exec(`DELETE FROM shadow_events WHERE at < ?`, now - SHADOW_ID_RETENTION_MS);
  sql.exec(`DELETE FROM cache_evictions WHERE at < ?`, now - EVICTION_RETENTION_MS);
}

function addToDay(sql: SqlStorage, day: string, d: DayCounts): void {
  sql.exec(
    `INSERT INTO cache_precision_daily (day, agree, disagree, unjudged, thumbs_down, exact_thumbs_down, shadow_calls, shadow_input_tokens, shadow_output_tokens, shadow_cost_nanos)
      VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
      ON CONFLICT (day) DO UPDATE SET agree = agree + excluded.agree, disagree = disagree + excluded.disagree, unjudged = unjudged + excluded.unjudged,
        thumbs_down = thumbs_down + excluded.thumbs_down, exact_thumbs_down = exact_thumbs_down + excluded.exact_thumbs_down,
        shadow_calls = shadow_calls + excluded.shadow_calls, shadow_input_tokens = shadow_input_tokens + excluded.shadow_input_tokens,
        shadow_output_tokens = shadow_output_tokens + excluded.shadow_output_tokens, shadow_cost_nanos = shadow_cost_nanos + excluded.shadow_cost_nanos`,
    day, d.agree, d.disagree, d.unjudged, d.thumbs_down, d.exact_thumbs_down, d.calls, d.input, d.output, d.cost,
  );
}

function wholeTokens(n: number): number {
  return Number.isFinite(n) && n > 0 ? Math.round(n) : 0;
}

const round4 = (x: number): number => Math.round(x * 1e4) / 1e4;
