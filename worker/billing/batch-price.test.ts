// The Batch API's price: the list price less the batch discount (50% unless
// the tenant's price list says otherwise), after the volume tier.
import { describe, expect, it } from "vitest";
import { charge, type ChargeInput } from "./pricing";

const base: ChargeInput = {
  pricing: { models: { m: { input_per_m: 1, output_per_m: 2 } }, tiers: [], cache_hit_discount: 0.5 },
  model: "m",
  listPrice: null,
  inputTokens: 1000,
  outputTokens: 500,
  cacheHit: false,
  monthTokens: 0,
};

describe("batch price", () => {
  it("is half the list price by default, in exact nano-dollars", () => {
    expect(charge(base)).toEqual({ costNanos: 2_000_000, savedNanos: 0 });
    expect(charge({ ...base, batch: true })).toEqual({ costNanos: 1_000_000, savedNanos: 0 });
    expect(charge({ ...base, pricing: undefined, listPrice: { input_per_m: 1, output_per_m: 2 }, batch: true }).costNanos).toBe(1_000_000);
  });

  it("takes the tenant's own batch discount, on top of the volume tier", () => {
    const pricing = { ...base.pricing!, batch_discount: 0.25, tiers: [{ from_tokens: 0, discount: 0.1 }] };
    expect(charge({ ...base, pricing }).costNanos).toBe(1_800_000);
    expect(charge({ ...base, pricing, batch: true }).costNanos).toBe(1_350_000);
    expect(charge({ ...base, pricing: { ...base.pricing!, batch_discount: 0 }, batch: true }).costNanos).toBe(2_000_000);
    expect(charge({ ...base, pricing: { ...base.pricing!, batch_discount: 1 }, batch: true }).costNanos).toBe(0);
  });

  it("a batch line answered from the cache gets both discounts", () => {
    expect(charge({ ...base, batch: true, cacheHit: true })).toEqual({ costNanos: 500_000, savedNanos: 500_000 });
  });

  it("leaves interactive prices alone", () => {
    expect(charge({ ...base, batch: false })).toEqual(charge(base));
  });
});
