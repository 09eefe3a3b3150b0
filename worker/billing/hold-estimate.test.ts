import { describe, expect, it } from "vitest";
import type { Origin } from "../schemas/admin";
import { DEFAULT_HOLD_OUTPUT_TOKENS, dearestListPrice, holdEstimateNanos, maxOutputTokens, type HoldEstimateInput } from "./hold-estimate";

const origin = (id: string, models: string[], input_per_m: number, output_per_m: number): Origin =>
  ({ id, base_url: "https://o/v1", region: "weur", lat: 0, lon: 0, models: Object.fromEntries(models.map((m) => [m, m])), price: { input_per_m, output_per_m }, weight: 1, draining: false, updated_at: 0 }) as Origin;

const ORIGINS = [origin("cheap", ["a"], 1, 1), origin("dear-in", ["a"], 5, 1), origin("dear-out", ["a", "b"], 1, 9)];
const base: HoldEstimateInput = { pricing: undefined, origins: ORIGINS, models: ["a"], inputTokens: 100, body: { model: "a", max_tokens: 10 }, generates: true, monthTokens: 0 };

describe("maxOutputTokens", () => {
  it("is the request's cap times its choices, or the default cap", () => {
    expect(maxOutputTokens({ max_tokens: 10 })).toBe(10);
    expect(maxOutputTokens({ max_tokens: 10, max_completion_tokens: 20, n: 3 })).toBe(60);
    expect(maxOutputTokens({ max_output_tokens: 7 })).toBe(7);
    expect(maxOutputTokens({ max_tokens: 5, best_of: 4, n: 2 })).toBe(20);
    expect(maxOutputTokens({})).toBe(DEFAULT_HOLD_OUTPUT_TOKENS);
    expect(maxOutputTokens({ max_tokens: null, n: 128 })).toBe(128 * DEFAULT_HOLD_OUTPUT_TOKENS);
  });
});

describe("holdEstimateNanos", () => {
  it("prices at the dearest input and output of any origin, for every model the request may fall back to", () => {
    expect(dearestListPrice(ORIGINS, "a")).toEqual({ input_per_m: 5, output_per_m: 9 });
    expect(dearestListPrice(ORIGINS, "constructor")).toBeNull();
    // 100 in at $5/M + 10 out at $9/M = 500,000 + 90,000 nanos.
    expect(holdEstimateNanos(base)).toBe(590_000);
    expect(holdEstimateNanos({ ...base, models: ["b", "a"] })).toBe(590_000);
    expect(holdEstimateNanos({ ...base, body: { model: "a", max_tokens: 10, n: 4 } })).toBe(500_000 + 4 * 90_000);
  });

  it("holds only the input for an endpoint that generates nothing, and the tenant's own price first", () => {
    expect(holdEstimateNanos({ ...base, generates: false })).toBe(500_000);
    expect(holdEstimateNanos({ ...base, pricing: { models: { a: { input_per_m: 1, output_per_m: 1 } }, tiers: [], cache_hit_discount: 0.5 } })).toBe(110_000);
  });

  it("holds both calls of a request `auto` may escalate: the cheap one it tries and the stronger one it may retry on", () => {
    // b: 100 in at $1/M + 10 out at $9/M = 190,000; a: 590,000 (above).
    expect(holdEstimateNanos({ ...base, models: ["b"] })).toBe(190_000);
    expect(holdEstimateNanos({ ...base, models: ["b"], escalatesTo: "a" })).toBe(190_000 + 590_000);
    expect(holdEstimateNanos({ ...base, models: ["b"], escalatesTo: null })).toBe(190_000);
  });
});
