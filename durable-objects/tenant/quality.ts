// What the tenant's users said about `auto`'s choices: for each (model,
// class), the evidence that the model was good enough, with older ratings
// fading so a silent quality drop shows. A rating names a request id; it
// counts once both the rating and the request's outcome (which model served
// which class, from metering) have arrived, in whichever order.
import { EVIDENCE_DECAY } from "../../worker/auto/bandit";
import { PROMPT_CLASSES, type PromptClass } from "../../worker/auto/types";

/** Ratings for requests whose outcome never arrives are dropped after this long. */
const PENDING_TTL_MS = 86_400_000;

export interface AutoOutcome {
  request_id: string;
  model: string;
  class: PromptClass;
  at: number;
}

/** Per model and class: [good, bad] evidence (decayed rating sums). */
export type Evidence = Record<string, Partial<Record<PromptClass, [good: number, bad: number]>>>;

export type FeedbackResult = "applied" | "pending" | "duplicate";

export function createQualityTables(sql: SqlStorage): void {
  sql.exec(`CREATE TABLE IF NOT EXISTS auto_outcomes (request_id TEXT PRIMARY KEY, model TEXT NOT NULL, class TEXT NOT NULL, at INTEGER NOT NULL)`);
  sql.exec(`CREATE TABLE IF NOT EXISTS feedback (request_id TEXT PRIMARY KEY, rating REAL NOT NULL, at INTEGER NOT NULL, applied INTEGER NOT NULL)`);
  sql.exec(
    `CREATE TABLE IF NOT EXISTS quality_evidence (model TEXT NOT NULL, class TEXT NOT NULL, good REAL NOT NULL, bad REAL NOT NULL,
      updated_at INTEGER NOT NULL, PRIMARY KEY (model, class))`,
  );
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
  sql.exec(`DELETE FROM feedback WHERE applied = 0 AND at < ?`, now - PENDING_TTL_MS);
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
    (out[row.model] ??= {})[row.class] = [row.good, row.bad];
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
