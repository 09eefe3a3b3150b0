import { describe, expect, it } from "vitest";
import type { Pricing } from "../schemas/billing";
import { charge, isNanos, nanosToUsd, priceOf, tierDiscount, usdToNanos, type ChargeInput } from "./pricing";

const ORIGIN = { input_per_m: 0.2, output_per_m: 0.6 };
const PRICING: Pricing = {
  models: { "llama-70b": { input_per_m: 1, output_per_m: 3 } },
  tiers: [
    { from_tokens: 1_000_000, discount: 0.1 },
    { from_tokens: 0, discount: 0 },
    { from_tokens: 10_000_000, discount: 0.25 },
  ],
  cache_hit_discount: 0.8,
};

const base: ChargeInput = { pricing: undefined, model: "llama-8b", listPrice: ORIGIN, inputTokens: 1000, outputTokens: 500, cacheHit: false, monthTokens: 0 };

describe("priceOf", () => {
  it("takes the tenant's price for a listed model, else the list price", () => {
    expect(priceOf(PRICING, "llama-70b", ORIGIN)).toEqual({ input_per_m: 1, output_per_m: 3 });
    expect(priceOf(PRICING, "llama-8b", ORIGIN)).toEqual(ORIGIN);
    expect(priceOf(undefined, "llama-8b", null)).toBeNull();
  });
});

describe("tierDiscount", () => {
  it("picks the highest tier the month has reached, in any order", () => {
    expect(tierDiscount(PRICING.tiers, 0)).toBe(0);
    expect(tierDiscount(PRICING.tiers, 999_999)).toBe(0);
    expect(tierDiscount(PRICING.tiers, 1_000_000)).toBe(0.1);
    expect(tierDiscount(PRICING.tiers, 9_999_999)).toBe(0.1);
    expect(tierDiscount(PRICING.tiers, 10_000_000)).toBe(0.25);
    expect(tierDiscount(PRICING.tiers, 1e12)).toBe(0.25);
  });

  it("is no discount without tiers or below the first", () => {
    expect(tierDiscount(undefined, 5e9)).toBe(0);
    expect(tierDiscount([], 5e9)).toBe(0);
    expect(tierDiscount([{ from_tokens: 100, discount: 0.5 }], 99)).toBe(0);
  });
});

describe("charge", () => {
  it("prices input and output per million tokens, in nano-dollars", () => {
    // 1000 * 0.2 / 1e6 + 500 * 0.6 / 1e6 = 0.0002 + 0.0003 USD
    expect(charge(base)).toEqual({ costNanos: 500_000, savedNanos: 0 });
    expect(nanosToUsd(charge(base).costNanos)).toBeCloseTo(0.0005, 12);
  });

  it("uses the tenant's own price for a model it lists", () => {
    expect(charge({ ...base, pricing: PRICING, model: "llama-70b" }).costNanos).toBe(1000 * 1000 + 500 * 3000);
  });

  it("applies the volume tier the month had reached before the request", () => {
    const at = (monthTokens: number) => charge({ ...base, pricing: PRICING, monthTokens }).costNanos;
    expect(at(0)).toBe(500_000);
    expect(at(1_000_000)).toBe(450_000);
    expect(at(50_000_000)).toBe(375_000);
  });

  it("waives the cache discount on a hit and reports it as saved", () => {
    expect(charge({ ...base, cacheHit: true })).toEqual({ costNanos: 250_000, savedNanos: 250_000 });
    const tiered = charge({ ...base, pricing: PRICING, cacheHit: true, monthTokens: 1_000_000 });
    expect(tiered).toEqual({ costNanos: 90_000, savedNanos: 360_000 });
    const free = charge({ ...base, pricing: { ...PRICING, cache_hit_discount: 1 }, cacheHit: true });
    expect(free).toEqual({ costNanos: 0, savedNanos: 500_000 });
  });

  it("keeps cost plus saved equal to the full price despite rounding", () => {
    for (let input = 1; input < 40; input++) {
      const hit = charge({ ...base, listPrice: { input_per_m: 0.013, output_per_m: 0.07 }, inputTokens: input, outputTokens: 3, cacheHit: true });
      const miss = charge({ ...base, listPrice: { input_per_m: 0.013, output_per_m: 0.07 }, inputTokens: input, outputTokens: 3 });
      expect(hit.costNanos + hit.savedNanos).toBe(miss.costNanos);
    }
  });

  it("charges a model nothing prices nothing, and ignores nonsense token counts", () => {
    expect(charge({ ...base, listPrice: null })).toEqual({ costNanos: 0, savedNanos: 0 });
    expect(charge({ ...base, inputTokens: -5, outputTokens: Number.NaN })).toEqual({ costNanos: 0, savedNanos: 0 });
  });

  it("counts tiny requests exactly instead of rounding them away", () => {
    // 3 tokens at $0.02 per 1M: 0.06 micro-dollars.
    expect(charge({ ...base, listPrice: { input_per_m: 0.02, output_per_m: 0.02 }, inputTokens: 3, outputTokens: 0 }).costNanos).toBe(60);
  });
});

describe("units and helpers", () => {
  it("converts dollars and nano-dollars without drift", () => {
    expect(usdToNanos(12.34)).toBe(12_340_000_000);
    expect(usdToNanos(0.1) + usdToNanos(0.2)).toBe(usdToNanos(0.3));
    expect(nanosToUsd(1)).toBe(1e-9);
  });
});

describe("prices keyed by client input", () => {
  it("are the price list's own entries only: Object.prototype names no price", () => {
    for (const model of ["constructor", "__proto__", "toString", "hasOwnProperty", "valueOf"]) {
      expect(priceOf(PRICING, model, ORIGIN)).toEqual(ORIGIN);
      expect(priceOf(PRICING, model, null)).toBeNull();
      const { costNanos, savedNanos } = charge({ ...base, pricing: PRICING, model, listPrice: null });
      expect([costNanos, savedNanos]).toEqual([0, 0]);
      expect(isNanos(charge({ ...base, pricing: PRICING, model }).costNanos)).toBe(true);
    }
  });

  it("ignore a malformed price rather than charge NaN", () => {
    const broken = { input_per_m: Number.NaN, output_per_m: 1 };
    expect(priceOf({ ...PRICING, models: { m: broken } }, "m", ORIGIN)).toEqual(ORIGIN);
    expect(priceOf(undefined, "m", broken)).toBeNull();
    expect(charge({ ...base, listPrice: { input_per_m: Number.POSITIVE_INFINITY, output_per_m: 0 } }).costNanos).toBe(0);
  });
});

describe("isNanos", () => {
  it("is a safe integer, nothing else", () => {
    expect([0, 1, -5, 9_007_199_254_740_991].every(isNanos)).toBe(true);
    expect([Number.NaN, Number.POSITIVE_INFINITY, 0.5, 2 ** 60, "1", null].some(isNanos)).toBe(false);
  });
});
