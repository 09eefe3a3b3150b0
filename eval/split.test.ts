import { describe, expect, it } from "vitest";
import { splitPairs } from "./lib/cache-sets";
import { fitLogistic, fitSignConstrained, solve } from "./lib/logistic";
import type { LabelledPair } from "./lib/pairs";
import { inSample, partOf, splitKey } from "./lib/split";

const pair = (i: number, extra: Partial<LabelledPair> = {}): LabelledPair => ({ a: `question ${i}`, b: `another question ${i}`, duplicate: i % 3 === 0, kind: "", ...extra });

describe("the split rule", () => {
  it("is a fixed function of the pair's identity, about half and half", () => {
    const keys = Array.from({ length: 4000 }, (_, i) => splitKey("qqp", pair(i, { id: `dev:${i}` })));
    const tuning = keys.filter((k) => partOf(k) === "tuning").length;
    expect(tuning / keys.length).toBeGreaterThan(0.47);
    expect(tuning / keys.length).toBeLessThan(0.53);
    expect(keys.map(partOf)).toEqual(keys.map(partOf)); // deterministic
    expect(partOf("qqp:dev:1")).toBe(partOf("qqp:dev:1"));
  });

  it("keys public pairs by set and id, our pairs by their text", () => {
    expect(splitKey("paws", pair(1, { id: "dev:1" }))).toBe("paws:dev:1");
    expect(splitKey("paws", pair(1, { id: "test:1" }))).not.toBe(splitKey("paws", pair(1, { id: "dev:1" })));
    expect(splitKey("own", pair(7))).toBe("own:question 7\nanother question 7");
  });

  it("samples independently of the part, about the share asked", () => {
    const keys = Array.from({ length: 4000 }, (_, i) => `s:${i}`);
    const kept = keys.filter((k) => inSample(k, 0.25));
    expect(kept.length / keys.length).toBeGreaterThan(0.22);
    expect(kept.length / keys.length).toBeLessThan(0.28);
    const tuningShare = kept.filter((k) => partOf(k) === "tuning").length / kept.length;
    expect(tuningShare).toBeGreaterThan(0.44);
    expect(tuningShare).toBeLessThan(0.56);
    expect(keys.every((k) => inSample(k, 1))).toBe(true);
  });

  it("splitPairs leaves out identical prompts, never puts a pair in both parts, and caps a set", () => {
    const pairs = [...Array.from({ length: 300 }, (_, i) => pair(i, { id: String(i) })), { a: "same", b: " same ", duplicate: false, kind: "" }];
    const { tuning, heldOut, identical, sample } = splitPairs("x", pairs);
    expect(identical).toBe(1);
    expect(sample).toBe(1);
    expect(tuning.length + heldOut.length).toBe(300);
    expect(tuning.filter((p) => heldOut.includes(p))).toEqual([]);
    const capped = splitPairs("x", pairs, 100);
    expect(capped.tuning.length + capped.heldOut.length).toBeGreaterThan(60);
    expect(capped.tuning.length + capped.heldOut.length).toBeLessThan(140);
    // The cap keeps a pair's part: the sample is a subset of the full split.
    for (const p of capped.tuning) expect(tuning).toContain(p);
  });
});

describe("logistic regression", () => {
  it("solves a small linear system", () => {
    const x = solve(Float64Array.of(4, 1, 1, 3), Float64Array.of(1, 2), 2);
    expect(x[0]).toBeCloseTo(1 / 11, 10);
    expect(x[1]).toBeCloseTo(7 / 11, 10);
  });

  it("recovers the direction of a noisy one-feature rule, deterministically", () => {
    const examples = Array.from({ length: 400 }, (_, i) => {
      const x = (i % 100) / 100;
      return { features: [1, x], label: (x > 0.5 ? (i % 10 === 0 ? 0 : 1) : i % 10 === 0 ? 1 : 0) as 0 | 1, weight: 1 };
    });
    const w = fitLogistic(examples, 2, 1e-3);
    expect(w[1]).toBeGreaterThan(3);
    expect(-w[0]! / w[1]!).toBeCloseTo(0.5, 1); // the boundary
    expect(Array.from(fitLogistic(examples, 2, 1e-3))).toEqual(Array.from(w));
  });

  it("holds a wrong-signed weight at zero", () => {
    const examples = Array.from({ length: 200 }, (_, i) => ({ features: [1, i % 2, (i % 7) / 7], label: (i % 2) as 0 | 1, weight: 1 }));
    const free = fitLogistic(examples, 3, 1e-3);
    expect(free[1]).toBeGreaterThan(0);
    const { weights, dropped } = fitSignConstrained(examples, [0, -1, 0], 1e-3);
    expect(dropped).toEqual([1]);
    expect(weights[1]).toBe(0);
  });
});
