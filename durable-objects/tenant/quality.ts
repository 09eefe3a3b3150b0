// What the tenant's users said about `auto`'s choices: for each (model,
// class), the evidence that the model was good enough, with older ratings
// fading so a silent quality drop shows. A rating names a request id; it
// counts once both the rating and the request's outcome (which model served
// which class, from metering) have arrived, in whichever order.
import { EVIDENCE_DECAY } from "../../worker/auto/bandit";
import type { Evidence, FeedbackResult } from "../../worker/auto/quality-protocol";
import { PROMPT_CLASSES, type PromptClass } from "../../worker/vocabulary/prompt-classes";
import { own, setOwn } from "../../worker/own";

const DAY_MS = 86_400_000;
/** Ratings for requests whose outcome never arrives are dropped after this long. */
const PENDING_TTL_MS = DAY_MS;
/** Applied ratings are kept this long (to refuse a second rating of the same request), outcomes this long (a rating may come late). */
const APPLIED_RETENTION_MS = 30 * DAY_MS;
const OUTCOME_RETENTION_MS = 7 * DAY_MS;
/** And never more than this many rows of each kind, newest kept: a tenant can post ratings for ids that never existed. */
export const MAX_PENDING_RATINGS = 10_000;
export const MAX_APPLIED_RATINGS = 200_000;
export const MAX_OUTCOMES = 200_000;

export interface AutoOutcome {
  request_id: string;
  model: string;
  class: PromptClass;
  at: number;
}

export function createQualityTables(sql: SqlStorage): void {
  sql.exec(`CREATE TABLE IF NOT EXISTS auto_outcomes (request_id TEXT PRIMARY KEY, model TEXT NOT NULL, class TEXT NOT NULL, at INTEGER NOT NULL)`);
  sql.exec(`CREATE TABLE IF NOT EXISTS feedback (request_id TEXT PRIMARY KEY, rating REAL NOT NULL, at INTEGER NOT NULL, applied INTEGER NOT NULL)`);
  sql.exec(
    `CREATE TABLE IF NOT EXISTS quality_evidence (model TEXT NOT NULL, class TEXT NOT NULL, good REAL NOT NULL, bad REAL NOT NULL,
      updated_at INTEGER NOT NULL, PRIMARY KEY (model, class))`,
  );
  // Pruning reads by age, so it must not scan the tables.
  sql.exec(`CREATE INDEX IF NOT EXISTS feedback_by_age ON feedback (applied, at)`);
  sql.exec(`CREATE INDEX IF NOT EXISTS auto_outcomes_by_age ON auto_outcomes (at)`);
}

/**
 * Drops ratings still waiting after PENDING_TTL_MS, applied ratings and
 * outcomes past their retention, and the oldest rows beyond each cap. The
 * evidence they fed stays (it is a running sum). Run now and then, not per
 * call (see the Tenant object).
 */
export function pruneQuality(sql: SqlStorage, now: number): void {
  sql.exec(`DELETE FROM feedback WHERE applied = 0 AND at < ?`, now - PENDING_TTL_MS);
  sql.exec(`DELETE FROM feedback WHERE applied = 1 AND at < ?`, now - APPLIED_RETENTION_MS);
  sql.exec(`DELETE FROM auto_outcomes WHERE at < ?`, now - OUTCOME_RETENTION_MS);
  for (const applied of [0, 1]) {
    const cap = applied ? MAX_APPLIED_RATINGS : MAX_PENDING_RATINGS;
    const oldestKept = sql.exec<{ at: number }>(`SELECT at FROM feedback WHERE applied = ? ORDER BY at DESC LIMIT 1 OFFSET ?`, applied, cap - 1).toArray()[0];
    if (oldestKept) sql.exec(`DELETE FROM feedback WHERE applied = ? AND at < ?`, applied, oldestKept.at);
  }
  const oldestOutcome = sql.exec<{ at: number }>(`SELECT at FROM auto_outcomes ORDER BY at DESC LIMIT 1 OFFSET ?`, MAX_OUTCOMES - 1).toArray()[0];
  if (oldestOutcome) sql.exec(`DELETE FROM auto_outcomes WHERE at < ?`, oldestOutcome.at);
}

/** Remembers which model served which class; a rating that was waiting for it is applied now. */
export function recordOutcomes(sql: SqlStorage, outcomes: readonly AutoOutcome[]): void {
  for (const o of outcomes) {
    if (!(PROMPT_CLASSES as readonly string[]).includes(o.class)) continue;
    const inserted = sql.exec(`INSERT OR IGNORE INTO auto_outcomes (request_id, model, class, at) VALUES (?, ?, ?, ?)`, o.request_id, o.model, o.class, o.at).rowsWritten;
    if (inserted === 0) continue;
    const waiting = sql.exec<{ rating: number }>(`SELECT rating FROM feedback WHERE request_id = ? AND applied = 0`, o.request_id).toArray()[0];
    if (waiting) apply(sql, o.request_id, o.model, o.class, waiting.rating, o.at);
  }
}

/** One rating per request, in [0, 1]; applied at once if the outcome is known, else when it arrives. */
export function recordFeedback(sql: SqlStorage, requestId: string, rating: number, now: number): FeedbackResult {
  const stored = sql.exec(`INSERT OR IGNORE INTO feedback (request_id, rating, at, applied) VALUES (?, ?, ?, 0)`, requestId, rating, now).rowsWritten;
  if (stored === 0) return "duplicate";
  const outcome = sql.exec<{ model: string; class: PromptClass }>(`SELECT model, class FROM auto_outcomes WHERE request_id = ?`, requestId).toArray()[0];
  if (!outcome) return "pending";
  apply(sql, requestId, outcome.model, outcome.class, rating, now);
  return "applied";
}

export function evidence(sql: SqlStorage): Evidence {
  const out: Evidence = {};
  for (const row of sql.exec<{ model: string; class: PromptClass; good: number; bad: number }>(`SELECT model, class, good, bad FROM quality_evidence`)) {
    // Model names come from the tenant's rules: looked up and set as own keys only (`__proto__` is a name like any other).
    let byClass = own(out, row.model);
    if (!byClass) setOwn(out, row.model, (byClass = {}));
    byClass[row.class] = [row.good, row.bad];
  }
  return out;
}

function apply(sql: SqlStorage, requestId: string, model: string, cls: PromptClass, rating: number, now: number): void {
  sql.exec(
    `INSERT INTO quality_evidence (model, class, good, bad, updated_at) VALUES (?, ?, ?, ?, ?)
      ON CONFLICT (model, class) DO UPDATE SET good = good * ? + excluded.good, bad = bad * ? + excluded.bad, updated_at = excluded.updated_at`,
    model, cls, rating, 1 - rating, now, EVIDENCE_DECAY, EVIDENCE_DECAY,
  );
  sql.exec(`UPDATE feedback SET applied = 1 WHERE request_id = ?`, requestId);
}
