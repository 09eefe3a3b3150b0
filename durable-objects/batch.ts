import { DurableObject } from "cloudflare:workers";
import { nextAttemptAt, MAX_LINE_ATTEMPTS } from "../worker/batch/line-retry";
import { newFileId, newLineId } from "../worker/batch/ids";
import { parseBatchFile, type BatchEndpoint, type BatchLine } from "../worker/batch/jsonl";
import { getFile, JsonlFileWriter } from "../worker/batch/files-store";
import { assign, pacingConfig, planDispatch, RecentOthers, type PacingLoad, type PacingPlan } from "../worker/batch/pacing";
import type { CreateBatch, CreateResult, LineAnswer, SendLine } from "../worker/batch/protocol";
import { isFinal, seconds, type BatchObject, type BatchStatus, type ResultLine } from "../worker/batch/shapes";
import { originSnapshot } from "../worker/origins/snapshot";

/** One alarm sends lines for at most this long, then hands over to the next (cancel and expiry are checked every tick too). */
const RUN_MS = 10_000;
/** How often the plan is made again from fresh load readings while lines run. */
const TICK_MS = 200;
/** How long a batch waits before looking again when every origin is busy. */
const PAUSED_MS = 500;

/** The request path, handed over by the entry point (worker/index.ts): the object does not import the pipeline. */
let sendLine: SendLine | null = null;
export function useLineSender(send: SendLine): void {
  sendLine = send;
}

const PENDING = 0;
const DONE = 1;
/** Never sent: the batch was cancelled or expired first. */
const NOT_RUN = 2;

interface Stored {
  batch: BatchObject;
  tenantId: string;
  keyId: string;
  /** Why the batch is waiting, when it is (for the read-out). */
  paused: string | null;
}

/**
 * One per batch (`idFromName(batch id)`): holds the batch and its lines in
 * SQLite and sends the lines on alarms, through the same request path as
 * interactive calls, at the pace the engines' spare capacity allows
 * (worker/batch/pacing.ts). Lines are sent at least once: a line whose
 * answer was not stored before a restart is sent again.
 */
export class Batch extends DurableObject<Env> {
  private readonly sql: SqlStorage;
  /** Set by cancel(): the running alarm stops starting lines at its next tick. */
  private cancelRequested = false;
  private readonly inFlight = new Set<number>();
  /** Others' requests on each engine over the last half minute of readings. */
  private readonly recent = new RecentOthers();

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    this.sql = ctx.storage.sql;
    this.sql.exec(`CREATE TABLE IF NOT EXISTS meta (k TEXT PRIMARY KEY, body TEXT NOT NULL)`);
    this.sql.exec(`CREATE TABLE IF NOT EXISTS lines (
      idx INTEGER PRIMARY KEY, custom_id TEXT NOT NULL, body TEXT NOT NULL,
      state INTEGER NOT NULL DEFAULT 0, attempts INTEGER NOT NULL DEFAULT 0, next_at INTEGER NOT NULL DEFAULT 0,
      ok INTEGER NOT NULL DEFAULT 0, result TEXT)`);
    this.sql.exec(`CREATE INDEX IF NOT EXISTS lines_due ON lines (state, next_at)`);
  }

  async create(input: CreateBatch): Promise<CreateResult> {
    if (this.load()) return { ok: false, status: 400, message: "Batch exists.", code: "invalid_request", line: null };
    const file = await getFile(this.env.BATCH_FILES, input.tenantId, input.inputFileId);
    if (!file || file.file.purpose !== "batch") return { ok: false, status: 404, message: `No such File object: ${input.inputFileId}.`, code: "not_found", line: null };
    const parsed = parseBatchFile(await file.body.text(), input.maxLines);
    if (!parsed.ok) return { ok: false, status: 400, message: parsed.message, code: "invalid_file", line: parsed.line };
    const wrong = parsed.lines.findIndex((l) => l.url !== input.endpoint);
    if (wrong >= 0) return { ok: false, status: 400, message: `Line ${wrong + 1}: url must be the batch's endpoint (${input.endpoint}).`, code: "mismatched_endpoint", line: wrong + 1 };
    const now = Date.now();
    const batch: BatchObject = {
      id: input.batchId,
      object: "batch",
      endpoint: input.endpoint,
      errors: null,
      input_file_id: input.inputFileId,
      completion_window: input.completionWindow,
      status: "in_progress",
      output_file_id: null,
      error_file_id: null,
      created_at: seconds(now),
      in_progress_at: seconds(now),
      expires_at: seconds(now + input.windowMs),
      finalizing_at: null,
      completed_at: null,
      failed_at: null,
      expired_at: null,
      cancelling_at: null,
      cancelled_at: null,
      request_counts: { total: parsed.lines.length, completed: 0, failed: 0 },
      metadata: input.metadata,
    };
    this.ctx.storage.transactionSync(() => {
      parsed.lines.forEach((l: BatchLine, i) => this.sql.exec(`INSERT INTO lines (idx, custom_id, body) VALUES (?, ?, ?)`, i, l.custom_id, JSON.stringify(l.body)));
      // Expiry is kept in milliseconds beside the object (tests use windows shorter than a second).
      this.save({ batch, tenantId: input.tenantId, keyId: input.keyId, paused: null });
      this.sql.exec(`INSERT OR REPLACE INTO meta (k, body) VALUES ('expires_ms', ?)`, String(now + input.windowMs));
    });
    await this.ctx.storage.setAlarm(now);
    return { ok: true, batch: this.view()! };
  }

  /** The batch as its tenant sees it; null for anyone else (the route answers 404). */
  async get(tenantId: string): Promise<(BatchObject & { meridian?: { paused: string | null } }) | null> {
    const stored = this.load();
    if (!stored || stored.tenantId !== tenantId) return null;
    return { ...this.view()!, meridian: { paused: stored.paused } };
  }

  async cancel(tenantId: string): Promise<BatchObject | null> {
    const stored = this.load();
    if (!stored || stored.tenantId !== tenantId) return null;
    if (isFinal(stored.batch.status) || stored.batch.status === "cancelling") return this.view();
    stored.batch.status = "cancelling";
    stored.batch.cancelling_at = seconds(Date.now());
    this.save(stored);
    this.cancelRequested = true;
    // A running alarm sees the flag at its next tick; otherwise this one finishes the batch.
    await this.ctx.storage.setAlarm(Date.now());
    return this.view();
  }

  override async alarm(): Promise<void> {
    let stored = this.load();
    if (!stored || isFinal(stored.batch.status)) return;
    if (stored.batch.status === "in_progress" && Date.now() < this.expiresMs() && !this.cancelRequested) {
      const paused = await this.run(stored);
      stored = this.load()!;
      if (stored.paused !== paused) this.save({ ...stored, paused });
    }
    stored = this.load()!;
    if (stored.batch.status === "cancelling") return this.finish("cancelled");
    if (Date.now() >= this.expiresMs()) return this.finish("expired");
    const next = this.sql.exec<{ n: number; due: number | null }>(`SELECT COUNT(*) AS n, MIN(next_at) AS due FROM lines WHERE state = ?`, PENDING).one();
    if (next.n === 0) return this.finish("completed");
    const soon = Date.now() + (stored.paused ? PAUSED_MS : 0);
    await this.ctx.storage.setAlarm(Math.min(this.expiresMs(), Math.max(soon, next.due ?? soon)));
  }

  /** Sends lines until none is due, the time slice ends, or the batch is cancelled or expires; returns why it last paused. */
  private async run(stored: Stored): Promise<string | null> {
    const until = Math.min(Date.now() + RUN_MS, this.expiresMs());
    const perOrigin = new Map<string, number>();
    const running = new Set<Promise<void>>();
    let paused: string | null = null;
    while (Date.now() < until && !this.cancelRequested) {
      const plan = await this.plan(perOrigin);
      paused = plan.paused;
      const due = plan.total > 0 ? this.dueLines(plan.total) : [];
      const where = assign(plan, due.length);
      due.forEach((line, i) => {
        const origin = where[i]!;
        perOrigin.set(origin, (perOrigin.get(origin) ?? 0) + 1);
        this.inFlight.add(line.idx);
        const p = this.send(stored, line, origin).finally(() => {
          perOrigin.set(origin, perOrigin.get(origin)! - 1);
          this.inFlight.delete(line.idx);
          running.delete(p);
        });
        running.add(p);
      });
      if (running.size === 0 && (paused !== null || due.length === 0) && !this.anyDueNow()) break;
      await Promise.race([sleep(TICK_MS), ...running]);
    }
    await Promise.all(running);
    return paused;
  }

  private async plan(perOrigin: Map<string, number>): Promise<PacingPlan> {
    const [{ origins }, loads] = await Promise.all([
      originSnapshot(this.env.KV, (p) => this.ctx.waitUntil(p)),
      this.env.ENGINE_SCRAPER.get(this.env.ENGINE_SCRAPER.idFromName("global")).loads().catch(() => ({}) as Record<string, PacingLoad>),
    ]);
    const loadMap = new Map<string, PacingLoad>(Object.entries(loads));
    const now = Date.now();
    for (const [origin, load] of loadMap) this.recent.note(origin, load.running - (perOrigin.get(origin) ?? 0), (load as { at?: number }).at ?? now);
    return planDispatch(origins.filter((o) => !o.draining), loadMap, perOrigin, now, pacingConfig(this.env.BATCH_MAX_IN_FLIGHT, this.env.BATCH_MAX_PER_ORIGIN), this.recent.peaks(now));
  }

  private dueLines(limit: number): { idx: number; custom_id: string; body: string; attempts: number }[] {
    const rows = this.sql
      .exec<{ idx: number; custom_id: string; body: string; attempts: number }>(
        `SELECT idx, custom_id, body, attempts FROM lines WHERE state = ? AND next_at <= ? ORDER BY next_at, idx LIMIT ?`,
        PENDING, Date.now(), limit + this.inFlight.size,
      )
      .toArray();
    return rows.filter((r) => !this.inFlight.has(r.idx)).slice(0, limit);
  }

  private anyDueNow(): boolean {
    const row = this.sql.exec<{ n: number }>(`SELECT COUNT(*) AS n FROM lines WHERE state = ? AND next_at <= ?`, PENDING, Date.now()).one();
    return row.n > this.inFlight.size;
  }

  private async send(stored: Stored, line: { idx: number; custom_id: string; body: string; attempts: number }, origin: string): Promise<void> {
    if (!sendLine) throw new Error("no line sender: worker/index.ts hands it over");
    const answer: LineAnswer = await sendLine(
      this.env,
      (p) => this.ctx.waitUntil(p),
      { tenantId: stored.tenantId, keyId: stored.keyId, batchId: stored.batch.id, line: line.idx },
      stored.batch.endpoint as BatchEndpoint,
      line.body,
      origin,
    ).catch((err) => ({ status: 0, requestId: "", body: { error: { message: String(err instanceof Error ? err.message : err).slice(0, 200), type: "api_error" } } }));
    const attempts = line.attempts + 1;
    const ok = answer.status >= 200 && answer.status < 300;
    const retryAt = ok ? null : nextAttemptAt(answer.status, attempts, Date.now(), MAX_LINE_ATTEMPTS);
    if (retryAt !== null) {
      this.sql.exec(`UPDATE lines SET attempts = ?, next_at = ? WHERE idx = ? AND state = ?`, attempts, retryAt, line.idx, PENDING);
      return;
    }
    const result: ResultLine =
      answer.status === 0
        ? { id: newLineId(), custom_id: line.custom_id, response: null, error: { code: "request_failed", message: errorMessage(answer.body) } }
        : { id: newLineId(), custom_id: line.custom_id, response: { status_code: answer.status, request_id: answer.requestId, body: answer.body }, error: null };
    this.sql.exec(`UPDATE lines SET attempts = ?, state = ?, ok = ?, result = ? WHERE idx = ? AND state = ?`, attempts, DONE, ok ? 1 : 0, JSON.stringify(result), line.idx, PENDING);
  }

  /** Ends the batch: lines never sent go to the error file, then the output and error files are written. */
  private async finish(end: "completed" | "cancelled" | "expired"): Promise<void> {
    const stored = this.load()!;
    const code = end === "expired" ? "batch_expired" : "batch_cancelled";
    const message = end === "expired" ? "This request could not be executed before the completion window expired." : "This request was not executed: the batch was cancelled.";
    const left = this.sql.exec<{ idx: number; custom_id: string }>(`SELECT idx, custom_id FROM lines WHERE state = ?`, PENDING).toArray();
    this.ctx.storage.transactionSync(() => {
      for (const l of left) {
        const result: ResultLine = { id: newLineId(), custom_id: l.custom_id, response: null, error: { code, message } };
        this.sql.exec(`UPDATE lines SET state = ?, ok = 0, result = ? WHERE idx = ?`, NOT_RUN, JSON.stringify(result), l.idx);
      }
    });
    const now = Date.now();
    stored.batch.status = "finalizing";
    stored.batch.finalizing_at = seconds(now);
    this.save(stored);
    // Written line by line (a large batch's answers need not fit in memory at once), in the input's order.
    const bucket = this.env.BATCH_FILES;
    const id = stored.batch.id;
    const output = new JsonlFileWriter(bucket, stored.tenantId, newFileId(), `${id}_output.jsonl`, "batch_output", now);
    const errors = new JsonlFileWriter(bucket, stored.tenantId, newFileId(), `${id}_error.jsonl`, "batch_output", now);
    const PAGE = 500;
    for (let after = -1; ; ) {
      const rows = this.sql.exec<{ idx: number; ok: number; result: string }>(`SELECT idx, ok, result FROM lines WHERE result IS NOT NULL AND idx > ? ORDER BY idx LIMIT ?`, after, PAGE).toArray();
      for (const row of rows) await (row.ok === 1 ? output : errors).add(row.result);
      if (rows.length < PAGE) break;
      after = rows.at(-1)!.idx;
    }
    stored.batch.output_file_id = (await output.finish())?.id ?? null;
    stored.batch.error_file_id = (await errors.finish())?.id ?? null;
    const status: BatchStatus = end;
    stored.batch.status = status;
    const at = seconds(Date.now());
    if (end === "completed") stored.batch.completed_at = at;
    else if (end === "cancelled") stored.batch.cancelled_at = at;
    else stored.batch.expired_at = at;
    stored.paused = null;
    this.save(stored);
  }

  private view(): BatchObject | null {
    const stored = this.load();
    if (!stored) return null;
    const counts = this.sql
      .exec<{ total: number; completed: number; failed: number }>(
        `SELECT COUNT(*) AS total, COALESCE(SUM(state = ${DONE} AND ok = 1), 0) AS completed, COALESCE(SUM(state <> ${PENDING} AND ok = 0), 0) AS failed FROM lines`,
      )
      .one();
    return { ...stored.batch, request_counts: { total: counts.total, completed: counts.completed, failed: counts.failed } };
  }

  private load(): Stored | null {
    const row = this.sql.exec<{ body: string }>(`SELECT body FROM meta WHERE k = 'batch'`).toArray()[0];
    return row ? (JSON.parse(row.body) as Stored) : null;
  }

  private save(stored: Stored): void {
    this.sql.exec(`INSERT OR REPLACE INTO meta (k, body) VALUES ('batch', ?)`, JSON.stringify(stored));
  }

  private expiresMs(): number {
    const row = this.sql.exec<{ body: string }>(`SELECT body FROM meta WHERE k = 'expires_ms'`).toArray()[0];
    return row ? Number(row.body) : 0;
  }
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

function errorMessage(body: unknown): string {
  const m = (body as { error?: { message?: unknown } } | null)?.error?.message;
  return typeof m === "string" ? m : "The request failed.";
}
