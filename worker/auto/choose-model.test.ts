import { describe, expect, it } from "vitest";
import { mulberry32 } from "../../harness/random";
import { chooseModel } from "./choose-model";
import type { ModelOption } from "./types";

/** An option whose quality is known almost exactly (Beta with 10,000 ratings of evidence). */
function sure(model: string, quality: number, pricePerM: number, ttftMs: number | null = null): ModelOption {
  return { model, pricePerM, ttftMs, alpha: quality * 10_000, beta: (1 - quality) * 10_000 };
}

const small = sure("llama-1.5b", 0.83, 0.05);
const large = sure("llama-8b", 0.92, 0.33);
const huge = sure("llama-70b", 0.97, 1.2);

describe("chooseModel", () => {
  it("takes the cheapest model whose quality meets the floor, and says so", () => {
    const choice = chooseModel([large, huge, small], 0.7, null, null, mulberry32(1));
    expect(choice).toMatchObject({ model: "llama-1.5b", meetsFloor: true, fallbacks: ["llama-70b", "llama-8b"] });
    expect(choice.quality).toBeCloseTo(0.83, 1);
    expect(choice.reason).toBe("cheapest meeting floor 0.7: llama-1.5b (q~0.83, $0.05/M)");
  });

  it("moves up as the floor rises", () => {
    const options = [small, large, huge];
    expect(chooseModel(options, 0.9, null, null, mulberry32(2)).model).toBe("llama-8b");
    expect(chooseModel(options, 0.95, null, null, mulberry32(2)).model).toBe("llama-70b");
  });

  it("takes the best quality when none meets the floor", () => {
    const choice = chooseModel([small, large], 0.95, null, null, mulberry32(3));
    expect(choice).toMatchObject({ model: "llama-8b", meetsFloor: false, fallbacks: ["llama-1.5b"] });
    expect(choice.reason).toBe("none meets floor 0.95: best is llama-8b (q~0.92, $0.33/M)");
  });

  it("skips models slower than the SLO; an unknown TTFT passes", () => {
    const slowSmall = sure("llama-1.5b", 0.83, 0.05, 900);
    const choice = chooseModel([slowSmall, sure("llama-8b", 0.92, 0.33, 300)], 0.7, 500, null, mulberry32(4));
    expect(choice.model).toBe("llama-8b");
    expect(choice.reason).toBe("cheapest meeting floor 0.7, ttft <= 500ms: llama-8b (q~0.92, $0.33/M)");
    expect(chooseModel([sure("llama-1.5b", 0.83, 0.05, null), large], 0.7, 500, null, mulberry32(4)).model).toBe("llama-1.5b");
  });

  it("keeps within the price cap, even below the floor", () => {
    const choice = chooseModel([small, large, huge], 0.95, null, 0.5, mulberry32(5));
    expect(choice).toMatchObject({ model: "llama-8b", meetsFloor: false });
    expect(choice.reason).toBe("none meets floor 0.95, price <= $0.5/M: best is llama-8b (q~0.92, $0.33/M)");
  });

  it("takes the best overall when nothing is within the price cap", () => {
    const choice = chooseModel([small, large], 0.7, null, 0.01, mulberry32(6));
    expect(choice).toMatchObject({ model: "llama-8b", meetsFloor: false });
    expect(choice.reason).toBe("none within $0.01/M: best is llama-8b (q~0.92, $0.33/M)");
  });

  it("treats a model without a price as the most expensive, and says so", () => {
    const unpriced = sure("mystery", 0.99, Number.POSITIVE_INFINITY);
    expect(chooseModel([unpriced, small], 0.7, null, null, mulberry32(10)).model).toBe("llama-1.5b");
    expect(chooseModel([unpriced, small], 0.95, null, null, mulberry32(10)).reason).toBe("cheapest meeting floor 0.95: mystery (q~0.99, unpriced)");
    expect(chooseModel([unpriced, small], 0.95, null, 1, mulberry32(10)).model).toBe("llama-1.5b");
  });

  it("breaks price ties by sampled quality", () => {
    const a = sure("a", 0.8, 0.1);
    const b = sure("b", 0.9, 0.1);
    expect(chooseModel([a, b], 0.5, null, null, mulberry32(7)).model).toBe("b");
    expect(chooseModel([b, a], 0.5, null, null, mulberry32(7)).model).toBe("b");
  });

  it("explores in proportion to uncertainty: an unsure model near the floor is chosen only sometimes", () => {
    const share = (alpha: number, beta: number): number => {
      const random = mulberry32(8);
      const unsure: ModelOption = { model: "small", pricePerM: 0.05, ttftMs: null, alpha, beta };
      let picked = 0;
      for (let i = 0; i < 4000; i++) if (chooseModel([unsure, large], 0.7, null, null, random).model === "small") picked++;
      return picked / 4000;
    };
    const young = share(15, 5); // mean 0.75 from 20 ratings' worth of evidence
    const seasoned = share(150, 50); // the same mean from 200
    expect(young).toBeGreaterThan(0.55);
    expect(young).toBeLessThan(0.85);
    expect(seasoned).toBeGreaterThan(0.9);
    expect(share(5, 15)).toBeLessThan(0.01); // mean 0.25: hardly ever
  });

  it("is deterministic for a seeded random source", () => {
    const options: ModelOption[] = [
      { model: "small", pricePerM: 0.05, ttftMs: null, alpha: 3, beta: 2 },
      { model: "large", pricePerM: 0.3, ttftMs: null, alpha: 9, beta: 1 },
    ];
    const run = () => Array.from({ length: 30 }, ((r) => () => chooseModel(options, 0.7, null, null, r).model)(mulberry32(9)));
    expect(run()).toEqual(run());
  });

  it("refuses an empty candidate list", () => {
    expect(() => chooseModel([], 0.7, null, null, Math.random)).toThrow(RangeError);
  });
});
