import { describe, expect, it } from "vitest";
import { DEFAULT_FLEET } from "../fleet/fleet";
import { blendedPerM, cheapestPrice, devTiers, requestCostUsd, SEEDED_QUALITY, tierOf, tierOptions } from "./lib/auto-setup";

describe("the evaluation's setup", () => {
  it("prices the two tiers at the dev fleet's cheapest origins", () => {
    const tiers = devTiers();
    expect(tiers.small).toEqual({ model: "llama-1.5b", price: { input_per_m: 0.03, output_per_m: 0.06 } });
    expect(tiers.large).toEqual({ model: "llama-8b", price: { input_per_m: 0.2, output_per_m: 0.6 } });
    expect(() => cheapestPrice(DEFAULT_FLEET, "gpt-unknown")).toThrow(/no origin/);
  });

  it("costs a request and blends its price per 1M tokens", () => {
    const price = { input_per_m: 0.2, output_per_m: 0.6 };
    expect(requestCostUsd(price, 1000, 500)).toBeCloseTo(0.0005, 12);
    expect(blendedPerM(price, 1000, 500)).toBeCloseTo((0.2 * 1000 + 0.6 * 500) / 1500, 12);
    expect(blendedPerM(price, 0, 0)).toBe(0.2);
  });

  it("builds the options from the seeded prior plus the evidence", () => {
    const tiers = devTiers();
    const [small, large] = tierOptions(tiers, SEEDED_QUALITY, "math", 10, { small: { good: 1, bad: 4 }, large: { good: 0, bad: 0 } }, 100, 100);
    expect(small).toMatchObject({ model: "llama-1.5b", ttftMs: null, alpha: expect.closeTo(3.5 + 1, 9), beta: expect.closeTo(6.5 + 4, 9) });
    expect(large).toMatchObject({ model: "llama-8b", alpha: expect.closeTo(9.2, 9), beta: expect.closeTo(0.8, 9) });
    expect(small!.pricePerM).toBeLessThan(large!.pricePerM);
    expect(tierOf(tiers, "llama-1.5b")).toBe("small");
    expect(tierOf(tiers, "llama-8b")).toBe("large");
  });
});
