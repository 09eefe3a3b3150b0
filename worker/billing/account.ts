// A tenant's money as its object reports it: after every usage batch, on
// request (`account()`), and in the usage read-outs.
import type { Budget } from "../schemas/billing";

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
}

export type UsageTotals = Omit<UsageRow, "date" | "model">;

/** What a usage read-out asks the tenant's object for: an inclusive range of UTC days, optionally one model or key. */
export interface UsageFilter {
  from: string;
  to: string;
  model?: string | undefined;
  key_id?: string | undefined;
}

export interface UsageReport {
  from: string;
  to: string;
  data: UsageRow[];
  totals: UsageTotals;
  account: AccountState;
}
