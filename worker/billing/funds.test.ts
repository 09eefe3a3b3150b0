import { describe, expect, it } from "vitest";
import type { AccountState } from "./account";
import { budgetUse, fundsRoom, fundsVerdict, usd, type FundsInput } from "./funds";

const account = (fields: Partial<AccountState> = {}): AccountState => ({ month: "2026-04", spent_month_usd: 0, tokens_month: 0, credits_usd: null, budget: null, ...fields });
const base: FundsInput = { terms: {}, account: account(), unflushedNanos: 0, estimateNanos: 1_000, month: "2026-04" };

describe("fundsVerdict: prepaid credits", () => {
  const prepaid = (credits: number, fields: Partial<FundsInput> = {}) => fundsVerdict({ ...base, terms: { prepaid: true }, account: account({ credits_usd: credits }), ...fields });

  it("admits while the balance covers the request's input", () => {
    expect(prepaid(0.01)).toEqual({ ok: true });
    expect(prepaid(0.000001)).toMatchObject({ ok: true }); // exactly the estimate
  });

  it("refuses an empty or negative balance, or one smaller than the request needs", () => {
    for (const credits of [0, -0.5, 0.0000009]) {
      const v = prepaid(credits);
      expect(v.ok).toBe(false);
      if (!v.ok) expect(v.code).toBe("insufficient_credits");
    }
    const v = prepaid(0);
    expect(!v.ok && v.message).toBe("Prepaid credits exhausted: the balance is $0.000000 and this request needs about $0.000001. Add credits to continue.");
  });

  it("counts what this isolate spent and has not reported yet", () => {
    expect(prepaid(0.01, { unflushedNanos: 9_000_000 }).ok).toBe(true);
    expect(prepaid(0.01, { unflushedNanos: 9_999_500 }).ok).toBe(false);
  });

  it("needs a positive balance even for a free request", () => {
    expect(prepaid(0, { estimateNanos: 0 }).ok).toBe(false);
    expect(prepaid(0.5, { estimateNanos: 0 }).ok).toBe(true);
  });

  it("ignores credits for a tenant that is not prepaid", () => {
    expect(fundsVerdict({ ...base, account: account({ credits_usd: -3 }) }).ok).toBe(true);
  });
});

describe("fundsVerdict: budgets", () => {
  const budget = { monthly_usd: 10, mode: "hard" as const, alert_at: 0.8 };

  it("stops a hard budget at 100% of the month's spend, naming the budget", () => {
    expect(fundsVerdict({ ...base, terms: { budget }, account: account({ spent_month_usd: 9.99 }) })).toEqual({ ok: true });
    const v = fundsVerdict({ ...base, terms: { budget }, account: account({ spent_month_usd: 9.99 }), unflushedNanos: 10_000_000 });
    expect(v).toEqual({
      ok: false,
      code: "budget_exceeded",
      message: "Monthly budget reached: $10.00 of $10.00 spent in 2026-04. Requests resume next month or when the budget is raised.",
    });
  });

  it("never stops an alert budget", () => {
    expect(fundsVerdict({ ...base, terms: { budget: { ...budget, mode: "alert" } }, account: account({ spent_month_usd: 25 }) })).toEqual({ ok: true });
  });

  it("starts a new month from zero", () => {
    expect(fundsVerdict({ ...base, terms: { budget }, account: account({ month: "2026-03", spent_month_usd: 50 }) })).toEqual({ ok: true });
  });
});

describe("budgetUse", () => {
  const budget = { monthly_usd: 10, mode: "alert" as const, alert_at: 0.8 };

  it("reports whole percent used from the alert threshold on, unreported spend included", () => {
    expect(budgetUse(budget, account({ spent_month_usd: 7.99 }), 0, "2026-04").percent).toBeNull();
    expect(budgetUse(budget, account({ spent_month_usd: 7.99 }), 10_000_000, "2026-04")).toEqual({ spentNanos: 8_000_000_000, used: 0.8, percent: 80 });
    expect(budgetUse(budget, account({ spent_month_usd: 25 }), 0, "2026-04").percent).toBe(250);
    expect(budgetUse(budget, account({ month: "2026-03", spent_month_usd: 25 }), 0, "2026-04").percent).toBeNull();
    expect(budgetUse(null, account({ spent_month_usd: 25 }), 0, "2026-04")).toEqual({ spentNanos: 25_000_000_000, used: 0, percent: null });
  });
});

describe("fundsVerdict: no account", () => {
  it("admits when the object could not be reached", () => {
    expect(fundsVerdict({ ...base, terms: { prepaid: true, budget: { monthly_usd: 1, mode: "hard", alert_at: 0.8 } }, account: null })).toEqual({ ok: true });
  });
});

describe("usd", () => {
  it("shows cents from a dollar up, micro-dollars below", () => {
    expect(usd(12.345)).toBe("$12.35");
    expect(usd(0.0001234)).toBe("$0.000123");
    expect(usd(-0.5)).toBe("-$0.500000");
  });
});

describe("fundsVerdict: money that is not a number", () => {
  const budget = { monthly_usd: 10, mode: "hard" as const, alert_at: 0.8 };
  const bad = [Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY, 0.5];

  it("never admits a request whose estimate or unreported spend is NaN, infinite or fractional", () => {
    for (const n of bad) {
      expect(fundsVerdict({ ...base, terms: { prepaid: true }, account: account({ credits_usd: 100 }), estimateNanos: n }).ok).toBe(false);
      expect(fundsVerdict({ ...base, terms: { prepaid: true }, account: account({ credits_usd: 100 }), unflushedNanos: n }).ok).toBe(false);
      expect(fundsVerdict({ ...base, terms: { budget }, estimateNanos: n }).ok).toBe(false);
      expect(fundsVerdict({ ...base, terms: { budget }, unflushedNanos: n }).ok).toBe(false);
    }
  });

  it("never admits against an account whose balance or spend is not a number", () => {
    expect(fundsVerdict({ ...base, terms: { prepaid: true }, account: account({ credits_usd: Number.NaN }) }).ok).toBe(false);
    expect(fundsVerdict({ ...base, terms: { budget }, account: account({ spent_month_usd: Number.NaN }) }).ok).toBe(false);
  });
});

describe("fundsVerdict: a hard budget must have room for the request", () => {
  const budget = { monthly_usd: 10, mode: "hard" as const, alert_at: 0.8 };

  it("refuses a request that would pass the budget, before the budget is reached", () => {
    const spent = account({ spent_month_usd: 9.99 });
    expect(fundsVerdict({ ...base, terms: { budget }, account: spent, estimateNanos: 10_000_000 }).ok).toBe(true); // exactly the room left
    const v = fundsVerdict({ ...base, terms: { budget }, account: spent, estimateNanos: 10_000_001 });
    expect(v).toEqual({
      ok: false,
      code: "budget_exceeded",
      message:
        "Monthly budget too small for this request: $9.99 of $10.00 spent or held in 2026-04, and this request needs up to $0.010000 (its input plus its whole output cap). Lower max_tokens, wait for requests in flight, or raise the budget.",
    });
  });
});

describe("fundsRoom", () => {
  const budget = { monthly_usd: 10, alert_at: 0.8, mode: "hard" as const };
  it("is the balance or the hard budget's room, whichever is less, less what is held", () => {
    expect(fundsRoom({ ...base, terms: { prepaid: true }, account: account({ credits_usd: 2 }), unflushedNanos: 500_000_000 })).toBe(1_500_000_000);
    expect(fundsRoom({ ...base, terms: { budget }, account: account({ spent_month_usd: 9 }) })).toBe(1_000_000_000);
    expect(fundsRoom({ ...base, terms: { budget, prepaid: true }, account: account({ spent_month_usd: 9, credits_usd: 0.5 }) })).toBe(500_000_000);
  });
  it("is never below zero, and nothing without an account", () => {
    expect(fundsRoom({ ...base, terms: { prepaid: true }, account: account({ credits_usd: -1 }) })).toBe(0);
    expect(fundsRoom({ ...base, terms: { prepaid: true }, account: null })).toBe(0);
  });
});
