// Funds held for requests in flight. A prepaid balance or hard budget must
// cover what every running request may still cost, not only what has been
// charged: otherwise fifty concurrent requests each see the same balance and
// all pass. Isolates lease funds (worker/billing/funds-lease.ts): a lease is
// held whole here and requests are admitted by drawing from it, each the
// cost of its most expensive outcome. A request's usage record takes what it
// drew off the lease in the same call that charges it; the next lease
// closes this one down to what its requests drew and have not been charged
// for; an unbilled request gives back what it drew. A hold nobody settles
// (the isolate died) expires, so none leaks for good.
//
// In SQLite, not memory: an object evicted while a long stream runs must not
// forget what that stream may still cost.
import { addColumn } from "./add-column";
import type { AccountState } from "../../worker/billing/account";
import { utcMonth } from "../../worker/billing/calendar";
import { fundsRoom, fundsVerdict } from "../../worker/billing/funds";
import { LEASE_SHARE } from "../../worker/billing/funds-lease";
import type { FundsLeaseAnswer, FundsLeaseRequest } from "../../worker/billing/hold-protocol";
import { isNanos } from "../../worker/billing/pricing";
import type { UsageRecord } from "../../worker/metering/usage-record";
import { accountState, type BillingTerms } from "./ledger";

/** The longest a hold may live, whatever the isolate asks for. */
const MAX_HOLD_MS = 3_600_000;

export function createHoldsTable(sql: SqlStorage): void {
  sql.exec(`CREATE TABLE IF NOT EXISTS fund_holds (id TEXT PRIMARY KEY, nanos INTEGER NOT NULL, expires_at INTEGER NOT NULL)`);
  sql.exec(`CREATE INDEX IF NOT EXISTS fund_holds_expiry ON fund_holds (expires_at)`);
  // What the lease's usage records have settled (objects created before leases lack the column).
  addColumn(sql, "fund_holds", "settled", "INTEGER NOT NULL DEFAULT 0");
}

const wholeNanos = (n: unknown): n is number => isNanos(n) && (n as number) >= 0;

/**
 * Closes the lease `req.close` names (keeping held only what its requests
 * drew and have not been charged for), then grants `req` if the balance and
 * the hard budget cover its `needNanos` on top of what is spent and held:
 * as much of `wantNanos` as a fair share of what is left allows. Either way
 * the account comes back, for the isolate's copy.
 */
export function placeLease(sql: SqlStorage, terms: BillingTerms, req: FundsLeaseRequest, now: number): FundsLeaseAnswer {
  sql.exec(`DELETE FROM fund_holds WHERE expires_at <= ?`, now);
  if (req.close && typeof req.close.id === "string" && wholeNanos(req.close.drawnNanos)) closeLease(sql, req.close.id, req.close.drawnNanos);
  const account = accountState(sql, terms, now);
  const valid = typeof req.id === "string" && req.id.length > 0 && req.id.length <= 64 && wholeNanos(req.needNanos) && wholeNanos(req.ttlMs) && req.ttlMs > 0;
  const funds = { terms, account, unflushedNanos: heldNanos(sql), month: utcMonth(now) };
  const verdict = fundsVerdict({ ...funds, estimateNanos: valid ? req.needNanos : Number.NaN });
  if (!verdict.ok) return { ...verdict, grantedNanos: 0, account };
  const want = wholeNanos(req.wantNanos) ? req.wantNanos : req.needNanos;
  const granted = Math.max(req.needNanos, Math.min(want, Math.floor(fundsRoom(funds) / LEASE_SHARE)));
  sql.exec(
    `INSERT INTO fund_holds (id, nanos, expires_at, settled) VALUES (?, ?, ?, 0)
      ON CONFLICT (id) DO UPDATE SET nanos = excluded.nanos, expires_at = excluded.expires_at, settled = 0`,
    req.id, granted, now + Math.min(req.ttlMs, MAX_HOLD_MS),
  );
  return { ...verdict, grantedNanos: granted, account };
}

/** A lease no longer drawn from keeps what its requests drew and have not settled yet. */
function closeLease(sql: SqlStorage, id: string, drawnNanos: number): void {
  sql.exec(`UPDATE fund_holds SET nanos = MAX(0, ? - settled) WHERE id = ?`, drawnNanos, id);
  sql.exec(`DELETE FROM fund_holds WHERE id = ? AND nanos = 0`, id);
}

/** Gives back `nanos` of a hold (a request drawn from a closed lease that is not billed); unknown ids are fine. */
export function releaseHold(sql: SqlStorage, id: string, nanos: number): void {
  if (!wholeNanos(nanos)) return;
  sql.exec(`UPDATE fund_holds SET nanos = MAX(0, nanos - ?) WHERE id = ?`, nanos, id);
  sql.exec(`DELETE FROM fund_holds WHERE id = ? AND nanos = 0`, id);
}

/**
 * The records a usage batch charges take what their requests drew off their
 * leases (called in the same object call as the charge, so money is never
 * counted both as held and as spent, nor as neither).
 */
export function settleHolds(sql: SqlStorage, batch: readonly UsageRecord[]): void {
  // Summed per hold first: a batch's records mostly share a lease or two, and
  // MAX(0, MAX(0, n - a) - b) = MAX(0, n - (a + b)), so one statement per hold says the same.
  const drawn = new Map<string, number>();
  for (const r of batch) {
    if (typeof r.hold_id !== "string") continue;
    // A record from before leases settled its request's own hold, whole.
    if (r.hold_nanos === undefined) sql.exec(`DELETE FROM fund_holds WHERE id = ?`, r.hold_id);
    if (!wholeNanos(r.hold_nanos)) continue;
    drawn.set(r.hold_id, (drawn.get(r.hold_id) ?? 0) + r.hold_nanos);
  }
  for (const [id, nanos] of drawn) sql.exec(`UPDATE fund_holds SET nanos = MAX(0, nanos - ?), settled = settled + ? WHERE id = ?`, nanos, nanos, id);
}

/** What the live holds add up to (expired ones are deleted before every decision). */
export function heldNanos(sql: SqlStorage): number {
  return sql.exec<{ nanos: number }>(`SELECT COALESCE(SUM(nanos), 0) AS nanos FROM fund_holds`).one().nanos;
}
