// Whether a tenant may spend on one more request: a prepaid balance that
// covers it, a hard monthly budget that has room for it. Pure: the tenant's
// object decides with it when it places a request's hold (from the account
// and the other holds); an isolate, from the account it last saw, only while
// the object cannot be reached.
import type { Budget } from "../schemas/billing";
import type { AccountState } from "./account";
import { isNanos, nanosToUsd, usdToNanos } from "./pricing";

export interface FundsInput {
  terms: { prepaid?: boolean | undefined; budget?: Budget | null | undefined };
  /** The object's last word, or null when it could not be reached. */
  account: AccountState | null;
  /** Spent but not yet in the account: held by the object for requests in flight, or spent in this isolate and not yet acknowledged. */
  unflushedNanos: number;
  /** What the request may cost: its input plus its whole output cap, at the dearest price it may be served at. */
  estimateNanos: number;
  /** The current UTC month, `YYYY-MM`. */
  month: string;
}

export type FundsVerdict = { ok: true } | { ok: false; code: "insufficient_credits" | "budget_exceeded"; message: string };

export interface BudgetUse {
  /** This month's spend: what the object reported plus what it has not heard of yet. */
  spentNanos: number;
  /** The share of the monthly budget that is (0 without a budget). */
  used: number;
  /** Whole percent used once past the alert threshold, else null: the `x-meridian-budget` header. */
  percent: number | null;
}

export function budgetUse(budget: Budget | null | undefined, account: AccountState, unflushedNanos: number, month: string): BudgetUse {
  // A month that has ended no longer counts.
  const spentNanos = (account.month === month ? usdToNanos(account.spent_month_usd) : 0) + unflushedNanos;
  const used = budget ? nanosToUsd(spentNanos) / budget.monthly_usd : 0;
  return { spentNanos, used, percent: budget && used >= budget.alert_at ? Math.floor(used * 100) : null };
}

export function fundsVerdict(input: FundsInput): FundsVerdict {
  const { terms, account, unflushedNanos } = input;
  // Never heard from the object: nothing to judge by. The caller bounds
  // what it admits this way (a small grace budget, see gate.ts).
  if (!account) return { ok: true };
  const budget = terms.budget;
  // Money that is not a whole number of nano-dollars (NaN, Infinity) is never
  // enough: every comparison below is written so that it refuses.
  if (!isNanos(input.estimateNanos) || !isNanos(unflushedNanos)) return unpriceable(terms);
  if (budget?.mode === "hard") {
    const use = budgetUse(budget, account, unflushedNanos, input.month);
    if (!(use.used < 1)) {
      const message = `Monthly budget reached: ${usd(nanosToUsd(use.spentNanos))} of ${usd(budget.monthly_usd)} spent in ${input.month}. Requests resume next month or when the budget is raised.`;
      return { ok: false, code: "budget_exceeded", message };
    }
    // What is left must cover this request too, or the budget would be passed.
    if (!(use.spentNanos + input.estimateNanos <= usdToNanos(budget.monthly_usd))) {
      const message =
        `Monthly budget too small for this request: ${usd(nanosToUsd(use.spentNanos))} of ${usd(budget.monthly_usd)} spent or held in ${input.month}, ` +
        `and this request needs up to ${usd(nanosToUsd(input.estimateNanos))} (its input plus its whole output cap). Lower max_tokens, wait for requests in flight, or raise the budget.`;
      return { ok: false, code: "budget_exceeded", message };
    }
  }
  if (terms.prepaid) {
    const balance = usdToNanos(account.credits_usd ?? 0) - unflushedNanos;
    if (!(balance > 0 && balance >= input.estimateNanos)) {
      const message =
        `Prepaid credits exhausted: the balance is ${usd(nanosToUsd(balance))}` +
        (input.estimateNanos > 0 ? ` and this request needs about ${usd(nanosToUsd(input.estimateNanos))}` : "") +
        ". Add credits to continue.";
      return { ok: false, code: "insufficient_credits", message };
    }
  }
  return { ok: true };
}

function unpriceable(terms: FundsInput["terms"]): FundsVerdict {
  const message = "This request's cost cannot be estimated, so it cannot be admitted against a prepaid balance or a hard budget.";
  return { ok: false, code: terms.prepaid ? "insufficient_credits" : "budget_exceeded", message };
}

/** Dollars to the cent, or to the micro-dollar below one dollar (small balances matter). */
export function usd(amount: number): string {
  const abs = Math.abs(amount);
  return `${amount < 0 ? "-" : ""}$${abs.toFixed(abs >= 1 ? 2 : 6)}`;
}

/**
 * What is left for requests not admitted yet, in nano-dollars: the prepaid
 * balance and the hard budget's room, whichever is less (never below zero;
 * unlimited for a tenant with neither). Sizes the share of funds an isolate
 * may lease (see funds-lease.ts).
 */
export function fundsRoom(input: Omit<FundsInput, "estimateNanos">): number {
  const { terms, account, unflushedNanos } = input;
  if (!account) return 0;
  let room = Number.POSITIVE_INFINITY;
  if (terms.budget?.mode === "hard") room = usdToNanos(terms.budget.monthly_usd) - budgetUse(terms.budget, account, unflushedNanos, input.month).spentNanos;
  if (terms.prepaid) room = Math.min(room, usdToNanos(account.credits_usd ?? 0) - unflushedNanos);
  return Math.max(0, room);
}
