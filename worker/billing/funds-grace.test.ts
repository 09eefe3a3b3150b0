import { describe, expect, it } from "vitest";
import { FailOpenGrace, GRACE_WINDOW_MS } from "../limits/fail-open-grace";
import type { AccountState } from "./account";
import type { FundsInput } from "./funds";
import { FUNDS_GRACE, fundsOnGrace } from "./funds-grace";

const T0 = 1_700_000_000_000;
const account: AccountState = { month: "2026-04", spent_month_usd: 0, tokens_month: 0, credits_usd: 100, budget: null };
const input = (fields: Partial<FundsInput> = {}): FundsInput => ({ terms: { prepaid: true }, account, unflushedNanos: 0, estimateNanos: 1_000, month: "2026-04", ...fields });

describe("fundsOnGrace: the object cannot be reached", () => {
  it("admits a bounded number of requests per tenant and minute, then says unavailable", () => {
    const clock = { now: T0 };
    const grace = new FailOpenGrace(() => clock.now);
    const verdicts = Array.from({ length: FUNDS_GRACE.requests + 5 }, () => fundsOnGrace(grace, "t", input()));
    expect(verdicts.filter((v) => v.ok)).toHaveLength(FUNDS_GRACE.requests);
    expect(verdicts.at(-1)).toEqual({ ok: false, code: "unavailable" });
    expect(fundsOnGrace(grace, "other", input()).ok).toBe(true);
    clock.now += GRACE_WINDOW_MS;
    expect(fundsOnGrace(grace, "t", input()).ok).toBe(true);
  });

  it("admits a bounded amount of estimated cost, also for a tenant never heard of", () => {
    const grace = new FailOpenGrace(() => T0);
    const half = FUNDS_GRACE.units / 2;
    expect([1, 2, 3].map(() => fundsOnGrace(grace, "t", input({ account: null, estimateNanos: half })).ok)).toEqual([true, true, false]);
  });

  it("refuses what the last known account refuses, without using the grace", () => {
    const grace = new FailOpenGrace(() => T0);
    const broke = fundsOnGrace(grace, "t", input({ account: { ...account, credits_usd: 0 } }));
    expect(broke).toMatchObject({ ok: false, code: "insufficient_credits" });
    expect(fundsOnGrace(grace, "t", input({ estimateNanos: Number.NaN })).ok).toBe(false);
    expect(grace.counters.admitted).toBe(0);
  });
});
