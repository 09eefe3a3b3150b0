import { describe, expect, it } from "vitest";
import type { UsageRecord } from "../metering/usage-record";
import type { Pricing } from "../schemas/billing";
import { agreementMaxFactor, agreementPrice, agreementStatus } from "./agreement";
import { outcomeWaiver } from "./outcomes";
import { chargeRecord } from "./record-charge";

// 1,000,000 nanos an input token, 2,000,000 an output token.
const PRICING: Pricing = { models: { m: { input_per_m: 1000, output_per_m: 2000 } }, tiers: [{ from_tokens: 30, discount: 0.1 }], cache_hit_discount: 0.5 };
const record = (more: Partial<UsageRecord> = {}): UsageRecord => ({
  id: "u", request_id: "r", key_id: "k", model: "m", origin: "o", region: "weur", input_tokens: 10, output_tokens: 5, cache: "miss", stream: false, at: 0, list_price: null, ...more,
});
const AGREEMENT = { monthly_commit_nanos: 50_000_000, discount: 0.2, overage_multiplier: 1.5 };

describe("agreements", () => {
  it("discount below the commitment, overage from it on, the crossing request priced whole at the discount", () => {
    expect(agreementPrice(AGREEMENT, 20_000_000, 0)).toEqual({ costNanos: 16_000_000, within: true });
    expect(agreementPrice(AGREEMENT, 20_000_000, 49_999_999)).toEqual({ costNanos: 16_000_000, within: true });
    expect(agreementPrice(AGREEMENT, 20_000_000, 50_000_000)).toEqual({ costNanos: 30_000_000, within: false });
    expect(agreementPrice(null, 20_000_000, 0)).toEqual({ costNanos: 20_000_000, within: false });
  });

  it("reports committed / used / remaining and the shortfall", () => {
    expect(agreementStatus(AGREEMENT, 15_000_000)).toMatchObject({ committed_nanos: 50_000_000, used_nanos: 15_000_000, remaining_nanos: 35_000_000, shortfall_nanos: 35_000_000 });
    expect(agreementStatus(AGREEMENT, 60_800_000)).toMatchObject({ used_nanos: 60_800_000, remaining_nanos: 0, shortfall_nanos: 0 });
    expect(agreementStatus(AGREEMENT, -5)).toMatchObject({ used_nanos: 0, remaining_nanos: 50_000_000 }); // refunds never make it negative
  });

  it("holds assume the dearest rate", () => {
    expect(agreementMaxFactor(AGREEMENT)).toBe(1.5);
    expect(agreementMaxFactor({ ...AGREEMENT, overage_multiplier: 0.5 })).toBe(0.8);
    expect(agreementMaxFactor(undefined)).toBe(1);
  });
});

describe("outcome rules", () => {
  const rules = { zero_completion: true, structured_outputs: true };
  it("waive what the price list names, and nothing else", () => {
    expect(outcomeWaiver(rules, { output_tokens: 0 })).toBe("zero_completion");
    expect(outcomeWaiver(rules, { output_tokens: 0, generates: false })).toBeNull(); // embeddings generate nothing by design
    expect(outcomeWaiver(rules, { output_tokens: 5, error_finish: true })).toBe("error_finish");
    expect(outcomeWaiver(rules, { output_tokens: 5, schema: "invalid" })).toBe("schema_invalid");
    expect(outcomeWaiver(rules, { output_tokens: 5, schema: "unchecked" })).toBeNull();
    expect(outcomeWaiver(rules, { output_tokens: 5, schema: "valid" })).toBeNull();
    expect(outcomeWaiver({ zero_completion: false, structured_outputs: false }, { output_tokens: 0, error_finish: true, schema: "invalid" })).toBeNull();
    expect(outcomeWaiver(undefined, { output_tokens: 0 })).toBeNull();
    expect(outcomeWaiver(rules, { output_tokens: Number.NaN })).toBe("zero_completion");
  });
});

describe("chargeRecord", () => {
  it("list, tier, cache, agreement, then the outcome rule, in exact nano-dollars", () => {
    const terms = { pricing: { ...PRICING, outcomes: { zero_completion: true, structured_outputs: false } }, agreement: AGREEMENT };
    expect(chargeRecord(terms, record(), 0, 0)).toEqual({ costNanos: 16_000_000, savedNanos: 0, waivedNanos: 0, waiver: null, withinCommitment: true });
    // Tier reached (10% off 20M = 18M), past the commitment: 18M x 1.5.
    expect(chargeRecord(terms, record(), 30, 60_800_000)).toMatchObject({ costNanos: 27_000_000, withinCommitment: false });
    // A cache hit: half of 18M = 9M, then the agreement's discount: 7.2M; saved is what the cache took off.
    expect(chargeRecord(terms, record({ cache: "hit-exact" }), 30, 0)).toMatchObject({ costNanos: 7_200_000, savedNanos: 9_000_000 });
    // No completion: what it would have cost (10M x 0.9 x 1.5) is waived.
    expect(chargeRecord(terms, record({ output_tokens: 0 }), 30, 60_800_000)).toEqual({ costNanos: 0, savedNanos: 0, waivedNanos: 13_500_000, waiver: "zero_completion", withinCommitment: false });
  });
});
