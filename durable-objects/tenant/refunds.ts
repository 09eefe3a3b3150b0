// Refunds of calls rated down: negative ledger entries, one per request id
// (so a second thumbs-down, or the same request id rated again, refunds
// nothing more), dated when refunded. The month's net charges
// (usage_months.cost_nanos) and a prepaid balance take them at once. A
// rating that arrives before the call's usage record is kept as a claim and
// settled when the record is charged. Only this tenant's own usage is looked
// up: another tenant's request id finds nothing.
import type { RefundEntry } from "../../worker/billing/account";
import { utcDay, utcMonth } from "../../worker/billing/calendar";
import { nanosToUsd } from "../../worker/billing/pricing";
import { refundVerdict, type RefundVerdict } from "../../worker/billing/refund-policy";
import type { UsageRecord } from "../../worker/metering/usage-record";
import { balanceNanos, monthTotals, setBalance, type BillingTerms } from "./ledger";
import { selectIn } from "./select-in";

/** Claims older than this are dropped: no window is longer than a week. */
const CLAIM_TTL_MS = 7 * 86_400_000 + 60_000;

/** A refund as the ledger keeps it: the read-outs add its dollars. */
export type Refund = Omit<RefundEntry, "amount_usd">;

export type RefundResult = { status: "refunded"; refund: Refund } | { status: "pending" } | { status: "refused"; reason: Exclude<RefundVerdict, { ok: true }>["reason"] | "already_refunded" };

/** A rating of `requestId`: refunds its call if the terms allow, or keeps a claim until its usage arrives. */
export function refundRatedDown(sql: SqlStorage, terms: BillingTerms, requestId: string, rating: number, now: number): RefundResult {
  if (sql.exec(`SELECT 1 FROM refunds WHERE request_id = ?`, requestId).toArray().length) return { status: "refused", reason: "already_refunded" };
  type Event = { id: string; at: number; model: string; key_id: string; cost_nanos: number };
  // Every call with this id answered within the window: a call `auto` escalated has two usage records,
  // and a rating is of the whole call. (Clients may repeat an x-request-id: only the window's calls count.)
  const events = sql.exec<Event>(`SELECT id, at, model, key_id, cost_nanos FROM usage_events WHERE request_id = ? ORDER BY at DESC LIMIT 16`, requestId).toArray();
  const latest = events[0];
  if (!latest) {
    const early = refundVerdict({ ...capsOf(sql, now), rule: terms.pricing?.outcomes?.feedback_refund, rating, answeredAt: now, ratedAt: now, chargedNanos: 1 });
    if (!early.ok && (early.reason === "not_offered" || early.reason === "not_rated_down")) return { status: "refused", reason: early.reason };
    sql.exec(`INSERT INTO refund_claims (request_id, rated_at, rating) VALUES (?, ?, ?) ON CONFLICT (request_id) DO NOTHING`, requestId, now, rating);
    return { status: "pending" };
  }
  const since = now - (terms.pricing?.outcomes?.feedback_refund?.window_minutes ?? 0) * 60_000;
  const charged = events.filter((e) => e.at >= since).reduce((sum, e) => sum + e.cost_nanos, 0);
  return settle(sql, terms, requestId, rating, { ...latest, cost_nanos: charged || latest.cost_nanos }, now);
}

/** Claims made before their calls' usage arrived, settled as the records are charged (in the same object call). */
export function settleRefundClaims(sql: SqlStorage, terms: BillingTerms, batch: readonly UsageRecord[], now: number): void {
  sql.exec(`DELETE FROM refund_claims WHERE rated_at < ?`, now - CLAIM_TTL_MS);
  const claims = claimsOf(sql, batch);
  if (claims.size === 0) return;
  for (const r of batch) {
    const claim = claims.get(r.request_id);
    if (!claim) continue;
    claims.delete(r.request_id);
    sql.exec(`DELETE FROM refund_claims WHERE request_id = ?`, r.request_id);
    const event = sql.exec<{ id: string; at: number; model: string; key_id: string; cost_nanos: number }>(`SELECT id, at, model, key_id, cost_nanos FROM usage_events WHERE id = ?`, r.id).toArray()[0];
    // Rated before the answer was complete: the window counts from the rating.
    if (event && !sql.exec(`SELECT 1 FROM refunds WHERE request_id = ?`, r.request_id).toArray().length) settle(sql, terms, r.request_id, claim.rating, { ...event, at: Math.min(event.at, claim.rated_at) }, claim.rated_at);
  }
}

/** The batch's pending claims, a chunk of request ids per statement rather than one per record. */
function claimsOf(sql: SqlStorage, batch: readonly UsageRecord[]): Map<string, { rated_at: number; rating: number }> {
  const rows = selectIn<{ request_id: string; rated_at: number; rating: number }>(sql, batch.map((r) => r.request_id), (marks) => `SELECT request_id, rated_at, rating FROM refund_claims WHERE request_id IN (${marks})`);
  return new Map(rows.map((row) => [row.request_id, row]));
}

function settle(sql: SqlStorage, terms: BillingTerms, requestId: string, rating: number, event: { id: string; at: number; model: string; key_id: string; cost_nanos: number }, ratedAt: number): RefundResult {
  const verdict = refundVerdict({ ...capsOf(sql, ratedAt), rule: terms.pricing?.outcomes?.feedback_refund, rating, answeredAt: event.at, ratedAt, chargedNanos: event.cost_nanos });
  if (!verdict.ok) return { status: "refused", reason: verdict.reason };
  const month = utcMonth(ratedAt);
  const refund: Refund = { request_id: requestId, usage_id: event.id, at: ratedAt, date: utcDay(ratedAt), model: event.model, key_id: event.key_id, amount_nanos: -verdict.nanos };
  sql.exec(
    `INSERT INTO refunds (request_id, usage_id, at, day, month, model, key_id, amount_nanos) VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
    requestId, event.id, ratedAt, refund.date, month, event.model, event.key_id, refund.amount_nanos,
  );
  sql.exec(
    `INSERT INTO usage_months (month, tokens, cost_nanos, alerted, refund_nanos) VALUES (?, 0, ?, 0, ?)
      ON CONFLICT (month) DO UPDATE SET cost_nanos = cost_nanos + excluded.cost_nanos, refund_nanos = refund_nanos + excluded.refund_nanos`,
    month, refund.amount_nanos, verdict.nanos,
  );
  if (terms.prepaid) setBalance(sql, balanceNanos(sql) + verdict.nanos);
  return { status: "refunded", refund };
}

/** The month's charges before refunds, and its refunds so far. */
function capsOf(sql: SqlStorage, now: number): { monthGrossNanos: number; monthRefundedNanos: number; monthRefunds: number } {
  const month = utcMonth(now);
  const net = monthTotals(sql, month).cost_nanos;
  const row = sql.exec<{ n: number; nanos: number }>(`SELECT COUNT(*) AS n, COALESCE(-SUM(amount_nanos), 0) AS nanos FROM refunds WHERE month = ?`, month).one();
  return { monthGrossNanos: net + row.nanos, monthRefundedNanos: row.nanos, monthRefunds: row.n };
}

/** Refunds dated within an inclusive range of UTC days, optionally one model or key: what usage read-outs list. */
export function refundsIn(sql: SqlStorage, filter: { from: string; to: string; model?: string | undefined; key_id?: string | undefined }): (Refund & { amount_usd: number })[] {
  type Row = { request_id: string; usage_id: string; at: number; day: string; model: string; key_id: string; amount_nanos: number };
  return sql
    .exec<Row>(
      `SELECT * FROM refunds WHERE day >= ?1 AND day <= ?2 AND (?3 IS NULL OR model = ?3) AND (?4 IS NULL OR key_id = ?4) ORDER BY at LIMIT 10000`,
      filter.from, filter.to, filter.model ?? null, filter.key_id ?? null,
    )
    .toArray()
    .map((r) => ({ request_id: r.request_id, usage_id: r.usage_id, at: r.at, date: r.day, model: r.model, key_id: r.key_id, amount_nanos: r.amount_nanos, amount_usd: nanosToUsd(r.amount_nanos) }));
}
