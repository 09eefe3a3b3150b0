// A month's statement from the ledger: one line per model for the month's
// usage (its charges, what outcome rules waived and the cache saved), one
// line per refund (negative), and the ledger's own month total beside the
// lines' sum, so a reader can see they agree. Credits added that month and
// the agreement's shortfall are shown apart: they are payments and what is
// owed on top, not usage.
import { agreementStatus } from "../../worker/billing/agreement";
import type { Statement, StatementLine } from "../../worker/billing/statement";
import type { BillingTerms } from "./ledger";
import { monthTotals } from "./ledger";

export function monthStatement(sql: SqlStorage, tenantId: string, terms: BillingTerms, month: string): Statement {
  type UsageRow = { model: string; requests: number; input_tokens: number; output_tokens: number; cost_nanos: number; cache_hits: number; saved_nanos: number; waivers: number; waived_nanos: number; within_nanos: number };
  const usage = sql
    .exec<UsageRow>(
      `SELECT model, SUM(requests) AS requests, SUM(input_tokens) AS input_tokens, SUM(output_tokens) AS output_tokens, SUM(cost_nanos) AS cost_nanos,
          SUM(cache_hits) AS cache_hits, SUM(saved_nanos) AS saved_nanos, SUM(waivers) AS waivers, SUM(waived_nanos) AS waived_nanos,
          SUM(within_nanos) AS within_nanos
        FROM usage_daily WHERE substr(day, 1, 7) = ? GROUP BY model ORDER BY model`,
      month,
    )
    .toArray();
  type RefundRow = { request_id: string; day: string; model: string; amount_nanos: number };
  const refunds = sql.exec<RefundRow>(`SELECT request_id, day, model, amount_nanos FROM refunds WHERE month = ? ORDER BY at, request_id`, month).toArray();
  const lines: StatementLine[] = [
    ...usage.map((u): StatementLine => ({
      kind: "usage",
      model: u.model,
      date: null,
      request_id: null,
      requests: u.requests,
      input_tokens: u.input_tokens,
      output_tokens: u.output_tokens,
      cache_hits: u.cache_hits,
      waivers: u.waivers,
      amount_nanos: u.cost_nanos,
      cache_saved_nanos: u.saved_nanos,
      waived_nanos: u.waived_nanos,
      ...(terms.agreement ? { within_commitment_nanos: u.within_nanos, overage_nanos: u.cost_nanos - u.within_nanos } : {}),
    })),
    ...refunds.map((r): StatementLine => ({
      kind: "refund",
      model: r.model,
      date: r.day,
      request_id: r.request_id,
      requests: 0,
      input_tokens: 0,
      output_tokens: 0,
      cache_hits: 0,
      waivers: 0,
      amount_nanos: r.amount_nanos,
      cache_saved_nanos: 0,
      waived_nanos: 0,
    })),
  ];
  const total = lines.reduce((sum, l) => sum + l.amount_nanos, 0);
  const ledger = monthTotals(sql, month).cost_nanos;
  const credits = sql.exec<{ n: number; nanos: number }>(`SELECT COUNT(*) AS n, COALESCE(SUM(amount_nanos), 0) AS nanos FROM credits WHERE strftime('%Y-%m', at / 1000, 'unixepoch') = ?`, month).one();
  const agreement = terms.agreement ? agreementStatus(terms.agreement, ledger) : null;
  return {
    tenant_id: tenantId,
    month,
    lines,
    total_nanos: total,
    ledger_nanos: ledger,
    agreement,
    amount_due_nanos: total + (agreement?.shortfall_nanos ?? 0),
    credits_added_nanos: credits.nanos,
    credit_entries: credits.n,
  };
}
