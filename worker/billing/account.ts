// A tenant's money as its object reports it: after every usage batch, on
// request (`account()`), and in the usage read-outs.
import type { Budget } from "../schemas/billing";
import type { AgreementStatus } from "./agreement";

export interface BudgetState extends Budget {
  /** Share of the monthly budget spent so far (may pass 1). */
  used: number;
}

export interface AccountState {
  /** The UTC month the spend and tokens belong to, `YYYY-MM`. */
  month: string;
  spent_month_usd: number;
  tokens_month: number;
  /** The prepaid balance; null unless the tenant is prepaid. */
  credits_usd: number | null;
  budget: BudgetState | null;
  /** A committed-spend agreement's month: committed / used / remaining (only when the tenant has one). */
  agreement?: AgreementStatus & { committed_usd: number; used_usd: number; remaining_usd: number };
}

/** One line of the credits journal: a top-up or a correction. */
export interface CreditEntry {
  seq: number;
  /** Milliseconds since the epoch. */
  at: number;
  /** The label of the admin token that added it. */
  actor: string;
  amount_usd: number;
  note: string | null;
  /** The balance right after this entry. */
  balance_usd: number;
}

/** One day and model of a usage read-out. */
export interface UsageRow {
  date: string;
  model: string;
  requests: number;
  input_tokens: number;
  output_tokens: number;
  cost_usd: number;
  cache_hits: number;
  saved_usd: number;
  /** Answers an outcome rule did not charge, and what they would have cost. */
  waivers?: number;
  waived_usd?: number;
  /** Of `requests` and `cost_usd`: Batch API lines, and what they were charged (at the batch price). */
  batch_requests?: number;
  batch_usd?: number;
}

export type UsageTotals = Omit<UsageRow, "date" | "model"> & { refunded_usd?: number };

/** What one batch's metered lines were charged so far (the tenant's object keeps it as long as usage ids). */
export interface BatchCharge {
  batch_id: string;
  requests: number;
  cost_nanos: number;
}

/** What a usage read-out asks the tenant's object for: an inclusive range of UTC days, optionally one model or key. */
export interface UsageFilter {
  from: string;
  to: string;
  model?: string | undefined;
  key_id?: string | undefined;
}

/** A refund as usage read-outs list it: a negative entry naming the request it refunds. */
export interface RefundEntry {
  request_id: string;
  usage_id: string;
  at: number;
  date: string;
  model: string;
  key_id: string;
  amount_nanos: number;
  amount_usd: number;
}

export interface UsageReport {
  from: string;
  to: string;
  data: UsageRow[];
  totals: UsageTotals;
  /** Refunds dated in the range (negative amounts); `totals.refunded_usd` sums them. */
  refunds?: RefundEntry[];
  account: AccountState;
}
