// The tenant's money: every metered request (keyed by its usage id, so a
// batch sent twice is counted once), daily rollups by model and key, monthly
// totals (for volume tiers and budgets), and the prepaid balance with its
// journal of top-ups. Amounts are integer nano-dollars.
import { addColumn } from "./add-column";
import type { AccountState, BatchCharge, CreditEntry, UsageFilter, UsageReport, UsageRow, UsageTotals } from "../../worker/billing/account";
import { utcDay, utcMonth } from "../../worker/billing/calendar";
import { agreementStatus } from "../../worker/billing/agreement";
import { isNanos, nanosToUsd } from "../../worker/billing/pricing";
import { chargeRecord } from "../../worker/billing/record-charge";
import { servedFromCache, type UsageRecord } from "../../worker/metering/usage-record";
import type { SetAside } from "../../worker/metering/usage-record-check";
import type { Agreement, Budget, Pricing } from "../../worker/schemas/billing";

/** What the tenant's profile says about money. */
export interface BillingTerms {
  pricing?: Pricing | undefined;
  agreement?: Agreement | null | undefined;
  budget?: Budget | null | undefined;
  prepaid?: boolean | undefined;
}

const DAY_MS = 86_400_000;
/** Usage ids are remembered this long: a retry is seconds late, never weeks. */
const EVENT_RETENTION_MS = 35 * DAY_MS;
/** Older records are refused: their id may already be forgotten, so they could count twice. */
const ACCEPT_WINDOW_MS = 30 * DAY_MS;

export function createLedgerTables(sql: SqlStorage): void {
  sql.exec(
    `CREATE TABLE IF NOT EXISTS usage_events (id TEXT PRIMARY KEY, at INTEGER NOT NULL, request_id TEXT NOT NULL, key_id TEXT NOT NULL,
      model TEXT NOT NULL, origin TEXT, region TEXT NOT NULL, input_tokens INTEGER NOT NULL, output_tokens INTEGER NOT NULL,
      cache TEXT NOT NULL, stream INTEGER NOT NULL, cost_nanos INTEGER NOT NULL, saved_nanos INTEGER NOT NULL)`,
  );
  sql.exec(`CREATE INDEX IF NOT EXISTS usage_events_at ON usage_events (at)`);
  // Batch API lines are flagged (objects created before batches get the column on their next start).
  addColumn(sql, "usage_events", "batch", "INTEGER NOT NULL DEFAULT 0");
  sql.exec(
    `CREATE TABLE IF NOT EXISTS usage_daily (day TEXT NOT NULL, model TEXT NOT NULL, key_id TEXT NOT NULL, requests INTEGER NOT NULL,
      input_tokens INTEGER NOT NULL, output_tokens INTEGER NOT NULL, cost_nanos INTEGER NOT NULL, cache_hits INTEGER NOT NULL,
      saved_nanos INTEGER NOT NULL, PRIMARY KEY (day, model, key_id))`,
  );
  sql.exec(`CREATE TABLE IF NOT EXISTS usage_months (month TEXT PRIMARY KEY, tokens INTEGER NOT NULL, cost_nanos INTEGER NOT NULL, alerted INTEGER NOT NULL)`);
  sql.exec(`CREATE TABLE IF NOT EXISTS credit_balance (id INTEGER PRIMARY KEY CHECK (id = 1), nanos INTEGER NOT NULL)`);
  sql.exec(
    `CREATE TABLE IF NOT EXISTS credits (seq INTEGER PRIMARY KEY AUTOINCREMENT, at INTEGER NOT NULL, actor TEXT NOT NULL,
      amount_nanos INTEGER NOT NULL, note TEXT, balance_nanos INTEGER NOT NULL)`,
  );
  // Outcome waivers (objects created before outcome rules lack the columns).
  addColumn(sql, "usage_events", "waiver", "TEXT");
  addColumn(sql, "usage_events", "waived_nanos", "INTEGER NOT NULL DEFAULT 0");
  addColumn(sql, "usage_daily", "waivers", "INTEGER NOT NULL DEFAULT 0");
  addColumn(sql, "usage_daily", "waived_nanos", "INTEGER NOT NULL DEFAULT 0");
  // Charges priced within a committed-spend agreement's commitment (the rest of cost_nanos is overage or has no agreement).
  addColumn(sql, "usage_daily", "within_nanos", "INTEGER NOT NULL DEFAULT 0");
  // Refunds this month (usage_months.cost_nanos is net of them).
  addColumn(sql, "usage_months", "refund_nanos", "INTEGER NOT NULL DEFAULT 0");
  // Batch API lines, shown apart in the read-out (their requests and charges are also in the day's totals).
  addColumn(sql, "usage_daily", "batch_requests", "INTEGER NOT NULL DEFAULT 0");
  addColumn(sql, "usage_daily", "batch_nanos", "INTEGER NOT NULL DEFAULT 0");
  // What each batch was charged so far, for the dashboard (kept as long as usage ids are).
  sql.exec(`CREATE TABLE IF NOT EXISTS usage_batches (batch_id TEXT PRIMARY KEY, requests INTEGER NOT NULL, cost_nanos INTEGER NOT NULL, at INTEGER NOT NULL)`);
  // Refunds of calls rated down (tenant/refunds.ts): negative entries, one per request id.
  sql.exec(
    `CREATE TABLE IF NOT EXISTS refunds (request_id TEXT PRIMARY KEY, usage_id TEXT NOT NULL, at INTEGER NOT NULL, day TEXT NOT NULL,
      month TEXT NOT NULL, model TEXT NOT NULL, key_id TEXT NOT NULL, amount_nanos INTEGER NOT NULL)`,
  );
  sql.exec(`CREATE INDEX IF NOT EXISTS refunds_day ON refunds (day)`);
  sql.exec(`CREATE TABLE IF NOT EXISTS refund_claims (request_id TEXT PRIMARY KEY, rated_at INTEGER NOT NULL, rating REAL NOT NULL)`);
}

/**
 * Charges every record not seen before and says which those were. The
 * volume tier is the one the record's month had reached before it; the
 * prepaid balance is drawn down only while the tenant is prepaid. Records
 * must have been screened (usage-record-check.ts); one whose charge is not an
 * integer number of nano-dollars is set aside before anything of it is
 * written, so it cannot fail the records after it.
 */
export function applyUsage(sql: SqlStorage, batch: readonly UsageRecord[], terms: BillingTerms, now: number): { applied: UsageRecord[]; setAside: SetAside[] } {
  const applied: UsageRecord[] = [];
  const setAside: SetAside[] = [];
  // The rollups are summed here and written once per row they touch, after the records:
  // a batch of 50 is then ~50 statements, not ~250 (the object's calls are atomic either way).
  const months = new Map<string, { tokens: number; cost: number; addTokens: number; addCost: number }>();
  const days = new Map<string, { day: string; model: string; keyId: string; requests: number; input: number; output: number; cost: number; hits: number; saved: number; waivers: number; waived: number; within: number; batchRequests: number; batchNanos: number }>();
  let spent = 0;
  for (const r of batch) {
    if (!(r.at >= now - ACCEPT_WINDOW_MS)) continue; // written so that a NaN time is refused too
    const inputTokens = wholeTokens(r.input_tokens);
    const outputTokens = wholeTokens(r.output_tokens);
    const monthKey = utcMonth(r.at);
    let month = months.get(monthKey);
    if (!month) {
      const before = monthTotals(sql, monthKey);
      months.set(monthKey, (month = { tokens: before.tokens, cost: before.cost_nanos, addTokens: 0, addCost: 0 }));
    }
    const hit = servedFromCache(r.cache);
    const { costNanos, savedNanos, waivedNanos, waiver, withinCommitment } = chargeRecord(terms, { ...r, input_tokens: inputTokens, output_tokens: outputTokens }, month.tokens, month.cost);
    // Money that is not a whole number of nano-dollars never reaches the
    // ledger: NaN would fail the batch (NOT NULL), Infinity would poison
    // every total and balance after it. The record is set aside, the batch goes on.
    if (!isNanos(costNanos) || !isNanos(savedNanos) || !isNanos(waivedNanos) || !isNanos(inputTokens + outputTokens)) {
      setAside.push({ id: r.id, reason: `charge is not a whole number of nano-dollars (${costNanos})` });
      continue;
    }
    // A usage id seen before (a batch delivered twice) writes nothing.
    const inserted = sql.exec(
      `INSERT INTO usage_events (id, at, request_id, key_id, model, origin, region, input_tokens, output_tokens, cache, stream, cost_nanos, saved_nanos, waiver, waived_nanos, batch)
        VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (id) DO NOTHING`,
      r.id, r.at, r.request_id, r.key_id, r.model, r.origin, r.region, inputTokens, outputTokens, r.cache, r.stream ? 1 : 0, costNanos, savedNanos, waiver, waivedNanos, r.batch === true ? 1 : 0,
    ).rowsWritten;
    if (inserted === 0) continue;
    month.tokens += inputTokens + outputTokens;
    month.cost += costNanos;
    month.addTokens += inputTokens + outputTokens;
    month.addCost += costNanos;
    const dayKey = `${utcDay(r.at)}\u0000${r.model}\u0000${r.key_id}`;
    let day = days.get(dayKey);
    if (!day) days.set(dayKey, (day = { day: utcDay(r.at), model: r.model, keyId: r.key_id, requests: 0, input: 0, output: 0, cost: 0, hits: 0, saved: 0, waivers: 0, waived: 0, within: 0, batchRequests: 0, batchNanos: 0 }));
    day.requests++;
    day.input += inputTokens;
    day.output += outputTokens;
    day.cost += costNanos;
    day.hits += hit ? 1 : 0;
    day.saved += savedNanos;
    day.waivers += waiver ? 1 : 0;
    day.waived += waivedNanos;
    day.within += withinCommitment ? costNanos : 0;
    if (r.batch === true) {
      day.batchRequests++;
      day.batchNanos += costNanos;
      if (r.batch_id !== undefined) {
        sql.exec(
          `INSERT INTO usage_batches (batch_id, requests, cost_nanos, at) VALUES (?, 1, ?, ?)
            ON CONFLICT (batch_id) DO UPDATE SET requests = requests + 1, cost_nanos = cost_nanos + excluded.cost_nanos, at = MAX(at, excluded.at)`,
          r.batch_id, costNanos, r.at,
        );
      }
    }
    spent += costNanos;
    applied.push(r);
  }
  for (const d of days.values()) {
    sql.exec(
      `INSERT INTO usage_daily (day, model, key_id, requests, input_tokens, output_tokens, cost_nanos, cache_hits, saved_nanos, waivers, waived_nanos, within_nanos, batch_requests, batch_nanos)
        VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
        ON CONFLICT (day, model, key_id) DO UPDATE SET requests = requests + excluded.requests, input_tokens = input_tokens + excluded.input_tokens,
          output_tokens = output_tokens + excluded.output_tokens, cost_nanos = cost_nanos + excluded.cost_nanos,
          cache_hits = cache_hits + excluded.cache_hits, saved_nanos = saved_nanos + excluded.saved_nanos,
          waivers = waivers + excluded.waivers, waived_nanos = waived_nanos + excluded.waived_nanos, within_nanos = within_nanos + excluded.within_nanos,
          batch_requests = batch_requests + excluded.batch_requests, batch_nanos = batch_nanos + excluded.batch_nanos`,
      d.day, d.model, d.keyId, d.requests, d.input, d.output, d.cost, d.hits, d.saved, d.waivers, d.waived, d.within, d.batchRequests, d.batchNanos,
    );
  }
  for (const [monthKey, m] of months) {
    if (m.addTokens === 0 && m.addCost === 0) continue;
    sql.exec(
      `INSERT INTO usage_months (month, tokens, cost_nanos, alerted) VALUES (?, ?, ?, 0)
        ON CONFLICT (month) DO UPDATE SET tokens = tokens + excluded.tokens, cost_nanos = cost_nanos + excluded.cost_nanos`,
      monthKey, m.addTokens, m.addCost,
    );
  }
  if (terms.prepaid && spent > 0) setBalance(sql, balanceNanos(sql) - spent);
  return { applied, setAside };
}

/** Forgets usage ids past the retention (their rollups stay). */
export function pruneUsageEvents(sql: SqlStorage, now: number): void {
  sql.exec(`DELETE FROM usage_events WHERE at < ?`, now - EVENT_RETENTION_MS);
  sql.exec(`DELETE FROM usage_batches WHERE at < ?`, now - EVENT_RETENTION_MS);
}

/**
 * True exactly once a month: the first time the month's spend reaches the
 * budget's alert threshold (the caller writes the audit entry).
 */
export function budgetAlertDue(sql: SqlStorage, budget: Budget | null | undefined, now: number): boolean {
  if (!budget) return false;
  const month = utcMonth(now);
  const totals = monthTotals(sql, month);
  if (totals.alerted || nanosToUsd(totals.cost_nanos) < budget.monthly_usd * budget.alert_at) return false;
  sql.exec(`UPDATE usage_months SET alerted = 1 WHERE month = ?`, month);
  return true;
}

export function accountState(sql: SqlStorage, terms: BillingTerms, now: number): AccountState {
  const month = utcMonth(now);
  const totals = monthTotals(sql, month);
  const spent = nanosToUsd(totals.cost_nanos);
  return {
    month,
    spent_month_usd: spent,
    tokens_month: totals.tokens,
    credits_usd: terms.prepaid ? nanosToUsd(balanceNanos(sql)) : null,
    budget: terms.budget ? { ...terms.budget, used: spent / terms.budget.monthly_usd } : null,
    ...(terms.agreement ? { agreement: agreementView(terms.agreement, totals.cost_nanos) } : {}),
  };
}

/** The agreement as read-outs show it: committed / used / remaining, in nano-dollars and dollars. */
function agreementView(agreement: Agreement, monthChargedNanos: number): AccountState["agreement"] {
  const s = agreementStatus(agreement, monthChargedNanos);
  return { ...s, committed_usd: nanosToUsd(s.committed_nanos), used_usd: nanosToUsd(s.used_nanos), remaining_usd: nanosToUsd(s.remaining_nanos) };
}

/** Adds (or, negative, takes back) credits; returns the journal entry. */
export function addCredits(sql: SqlStorage, actor: string, amountNanos: number, note: string | null, now: number): CreditEntry {
  const balance = balanceNanos(sql) + amountNanos;
  // An infinite top-up would be unlimited credit; NaN would break the balance for good.
  if (!isNanos(amountNanos) || !isNanos(balance)) throw new RangeError(`a credit must be a whole number of nano-dollars, not ${amountNanos}`);
  setBalance(sql, balance);
  sql.exec(`INSERT INTO credits (at, actor, amount_nanos, note, balance_nanos) VALUES (?, ?, ?, ?, ?)`, now, actor, amountNanos, note, balance);
  const seq = sql.exec<{ seq: number }>(`SELECT last_insert_rowid() AS seq`).one().seq;
  return { seq, at: now, actor, amount_usd: nanosToUsd(amountNanos), note, balance_usd: nanosToUsd(balance) };
}

export function creditBalanceUsd(sql: SqlStorage): number {
  return nanosToUsd(balanceNanos(sql));
}

/** Newest first; `before` pages backwards by sequence number. */
export function creditJournal(sql: SqlStorage, limit: number, before?: number): CreditEntry[] {
  type Row = { seq: number; at: number; actor: string; amount_nanos: number; note: string | null; balance_nanos: number };
  return sql
    .exec<Row>(`SELECT * FROM credits WHERE seq < ? ORDER BY seq DESC LIMIT ?`, before ?? Number.MAX_SAFE_INTEGER, limit)
    .toArray()
    .map((r) => ({ seq: r.seq, at: r.at, actor: r.actor, amount_usd: nanosToUsd(r.amount_nanos), note: r.note, balance_usd: nanosToUsd(r.balance_nanos) }));
}

/** Usage by day and model over an inclusive range of UTC days, with totals. */
export function usageReport(sql: SqlStorage, filter: UsageFilter): Omit<UsageReport, "account"> {
  type Row = Omit<UsageRow, "cost_usd" | "saved_usd" | "waived_usd" | "batch_usd"> & { cost_nanos: number; saved_nanos: number; waived_nanos: number; batch_requests: number; batch_nanos: number };
  const rows = sql
    .exec<Row>(
      `SELECT day AS date, model, SUM(requests) AS requests, SUM(input_tokens) AS input_tokens, SUM(output_tokens) AS output_tokens,
          SUM(cost_nanos) AS cost_nanos, SUM(cache_hits) AS cache_hits, SUM(saved_nanos) AS saved_nanos, SUM(waivers) AS waivers, SUM(waived_nanos) AS waived_nanos,
          SUM(batch_requests) AS batch_requests, SUM(batch_nanos) AS batch_nanos
        FROM usage_daily WHERE day >= ?1 AND day <= ?2 AND (?3 IS NULL OR model = ?3) AND (?4 IS NULL OR key_id = ?4)
        GROUP BY day, model ORDER BY day, model`,
      filter.from, filter.to, filter.model ?? null, filter.key_id ?? null,
    )
    .toArray();
  const totals = { requests: 0, input_tokens: 0, output_tokens: 0, cost_nanos: 0, cache_hits: 0, saved_nanos: 0, waivers: 0, waived_nanos: 0, batch_requests: 0, batch_nanos: 0 };
  const data = rows.map((r): UsageRow => {
    totals.requests += r.requests;
    totals.input_tokens += r.input_tokens;
    totals.output_tokens += r.output_tokens;
    totals.cost_nanos += r.cost_nanos;
    totals.cache_hits += r.cache_hits;
    totals.saved_nanos += r.saved_nanos;
    totals.waivers += r.waivers ?? 0;
    totals.waived_nanos += r.waived_nanos;
    totals.batch_requests += r.batch_requests;
    totals.batch_nanos += r.batch_nanos;
    return {
      date: r.date, model: r.model, requests: r.requests, input_tokens: r.input_tokens, output_tokens: r.output_tokens, cost_usd: nanosToUsd(r.cost_nanos),
      cache_hits: r.cache_hits, saved_usd: nanosToUsd(r.saved_nanos), waivers: r.waivers, waived_usd: nanosToUsd(r.waived_nanos),
      batch_requests: r.batch_requests, batch_usd: nanosToUsd(r.batch_nanos),
    };
  });
  const refunded = sql
    .exec<{ nanos: number }>(
      `SELECT COALESCE(-SUM(amount_nanos), 0) AS nanos FROM refunds WHERE day >= ?1 AND day <= ?2 AND (?3 IS NULL OR model = ?3) AND (?4 IS NULL OR key_id = ?4)`,
      filter.from, filter.to, filter.model ?? null, filter.key_id ?? null,
    )
    .one().nanos;
  const { cost_nanos, saved_nanos, waived_nanos, batch_nanos, ...counts } = totals;
  const summary: UsageTotals = {
    ...counts, cost_usd: nanosToUsd(cost_nanos), saved_usd: nanosToUsd(saved_nanos), waived_usd: nanosToUsd(waived_nanos), batch_usd: nanosToUsd(batch_nanos), refunded_usd: nanosToUsd(refunded),
  };
  return { from: filter.from, to: filter.to, data, totals: summary };
}

/** What each named batch was charged so far (a batch with no metered line yet is absent). */
export function batchCharges(sql: SqlStorage, batchIds: readonly string[]): BatchCharge[] {
  return batchIds.slice(0, MAX_BATCH_CHARGES).flatMap((id) =>
    sql.exec<{ batch_id: string; requests: number; cost_nanos: number }>(`SELECT batch_id, requests, cost_nanos FROM usage_batches WHERE batch_id = ?`, id).toArray(),
  );
}
/** Batches looked up in one call, at most. */
const MAX_BATCH_CHARGES = 100;

export function monthTotals(sql: SqlStorage, month: string): { tokens: number; cost_nanos: number; alerted: number } {
  return sql.exec<{ tokens: number; cost_nanos: number; alerted: number }>(`SELECT tokens, cost_nanos, alerted FROM usage_months WHERE month = ?`, month).toArray()[0] ?? { tokens: 0, cost_nanos: 0, alerted: 0 };
}

export function balanceNanos(sql: SqlStorage): number {
  return sql.exec<{ nanos: number }>(`SELECT nanos FROM credit_balance WHERE id = 1`).toArray()[0]?.nanos ?? 0;
}

export function setBalance(sql: SqlStorage, nanos: number): void {
  sql.exec(`INSERT INTO credit_balance (id, nanos) VALUES (1, ?) ON CONFLICT (id) DO UPDATE SET nanos = excluded.nanos`, nanos);
}

function wholeTokens(n: number): number {
  return Number.isFinite(n) && n > 0 ? Math.round(n) : 0;
}
