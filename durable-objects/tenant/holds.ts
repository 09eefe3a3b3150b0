// Funds held for requests in flight. A prepaid balance or hard budget must
// cover what every running request may still cost, not only what has been
// charged: otherwise fifty concurrent requests each see the same balance and
// all pass. A hold is placed at admission (the request's most expensive
// outcome), and taken back, in the same call that charges it, when the
// request's usage record arrives (so the money is never counted both as held
// and as spent, nor as neither); an unbilled request releases its hold. A
// hold nobody settles (the isolate died) expires, so none leaks for good.
//
// In SQLite, not memory: an object evicted while a long stream runs must not
// forget what that stream may still cost.
import type { AccountState } from "../../worker/billing/account";
import { utcMonth } from "../../worker/billing/calendar";
import { fundsVerdict, type FundsVerdict } from "../../worker/billing/funds";
import type { HoldRequest } from "../../worker/billing/hold-protocol";
import { isNanos } from "../../worker/billing/pricing";
import type { UsageRecord } from "../../worker/metering/usage-record";
import { accountState, type BillingTerms } from "./ledger";

/** The longest a hold may live, whatever the isolate asks for. */
const MAX_HOLD_MS = 3_600_000;

export function createHoldsTable(sql: SqlStorage): void {
  sql.exec(`CREATE TABLE IF NOT EXISTS fund_holds (id TEXT PRIMARY KEY, nanos INTEGER NOT NULL, expires_at INTEGER NOT NULL)`);
  sql.exec(`CREATE INDEX IF NOT EXISTS fund_holds_expiry ON fund_holds (expires_at)`);
}

/**
 * Holds `req.nanos` if the balance and the hard budget cover it on top of
 * what is spent and already held; else refuses, saying why. Either way the
 * account comes back, for the isolate's copy.
 */
export function placeHold(sql: SqlStorage, terms: BillingTerms, req: HoldRequest, now: number): FundsVerdict & { account: AccountState } {
  sql.exec(`DELETE FROM fund_holds WHERE expires_at <= ?`, now);
  const account = accountState(sql, terms, now);
  const valid = typeof req.id === "string" && req.id.length > 0 && req.id.length <= 64 && isNanos(req.nanos) && req.nanos >= 0 && isNanos(req.ttlMs) && req.ttlMs > 0;
  const verdict = fundsVerdict({ terms, account, unflushedNanos: heldNanos(sql), estimateNanos: valid ? req.nanos : Number.NaN, month: utcMonth(now) });
  if (verdict.ok) {
    sql.exec(
      `INSERT INTO fund_holds (id, nanos, expires_at) VALUES (?, ?, ?) ON CONFLICT (id) DO UPDATE SET nanos = excluded.nanos, expires_at = excluded.expires_at`,
      req.id, req.nanos, now + Math.min(req.ttlMs, MAX_HOLD_MS),
    );
  }
  return { ...verdict, account };
}

/** Gives a hold back (a request that will not be billed); unknown ids are fine. */
export function releaseHold(sql: SqlStorage, id: string): void {
  sql.exec(`DELETE FROM fund_holds WHERE id = ?`, id);
}

/** Takes back the holds of the requests a usage batch charges (called in the same object call as the charge). */
export function settleHolds(sql: SqlStorage, batch: readonly UsageRecord[]): void {
  for (const r of batch) if (typeof r.hold_id === "string") releaseHold(sql, r.hold_id);
}

/** What the live holds add up to (expired ones are deleted before every decision). */
export function heldNanos(sql: SqlStorage): number {
  return sql.exec<{ nanos: number }>(`SELECT COALESCE(SUM(nanos), 0) AS nanos FROM fund_holds`).one().nanos;
}
