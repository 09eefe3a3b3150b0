import { describe, expect, it } from "vitest";
import { mulberry32 } from "../../harness/random";
import { addRating, DEFAULT_PRIOR_STRENGTH, EVIDENCE_DECAY, posterior, posteriorMean, sampleBeta, sampleGamma } from "./bandit";

function moments(draw: () => number, n: number): { mean: number; variance: number } {
  let sum = 0;
  let sumSq = 0;
  for (let i = 0; i < n; i++) {
    const x = draw();
    sum += x;
    sumSq += x * x;
  }
  const mean = sum / n;
  return { mean, variance: sumSq / n - mean * mean };
}

describe("posterior", () => {
  it("has the seeded quality as its mean and the prior strength as its evidence", () => {
    for (const q of [0.35, 0.7, 0.9]) {
      const p = posterior(q, 20, 0, 0);
      expect(posteriorMean(p.alpha, p.beta)).toBeCloseTo(q, 12);
      expect(p.alpha + p.beta).toBeCloseTo(20, 12);
    }
  });

  it("adds the evidence to the prior", () => {
    expect(posterior(0.5, 10, 3, 1.5)).toEqual({ alpha: 8, beta: 6.5 });
    // 10 ratings that say 0.2 against a seed of 0.8 worth 10: halfway.
    const p = posterior(0.8, DEFAULT_PRIOR_STRENGTH, 2, 8);
    expect(posteriorMean(p.alpha, p.beta)).toBeCloseTo(0.5, 12);
  });

  it("clamps seeds to keep both shapes positive, and ignores nonsense", () => {
    expect(posterior(1, 10, 0, 0)).toEqual({ alpha: 9.9, beta: expect.closeTo(0.1, 12) });
    expect(posterior(-3, 10, 0, 0).alpha).toBeCloseTo(0.1, 12);
    expect(posterior(Number.NaN, 10, 0, 0)).toEqual({ alpha: 5, beta: 5 });
    expect(posterior(0.5, 0, 0, 0).alpha).toBe(DEFAULT_PRIOR_STRENGTH / 2);
    expect(posterior(0.5, 10, -4, Number.NaN)).toEqual({ alpha: 5, beta: 5 });
  });
});

describe("addRating", () => {
  it("adds a rating as a fractional success and failure, after decaying the old evidence", () => {
    const e = { good: 0, bad: 0 };
    addRating(e, 1, 0.5);
    expect(e).toEqual({ good: 1, bad: 0 });
    addRating(e, 0.25, 0.5);
    expect(e).toEqual({ good: 0.75, bad: 0.75 });
    addRating(e, 7, 1); // clamped to 1
    addRating(e, Number.NaN, 1); // counted as a thumbs down
    expect(e).toEqual({ good: 1.75, bad: 1.75 });
  });

  it("never holds more than 1 / (1 - decay) ratings of evidence", () => {
    const e = { good: 0, bad: 0 };
    for (let i = 0; i < 2000; i++) addRating(e, i % 2);
    expect(e.good + e.bad).toBeCloseTo(1 / (1 - EVIDENCE_DECAY), 6);
    expect(e.good + e.bad).toBeLessThanOrEqual(1 / (1 - EVIDENCE_DECAY) + 1e-9);
  });

  it("forgets geometrically: after a drop the evidence is an exponential moving average of the ratings", () => {
    const full = 1 / (1 - EVIDENCE_DECAY);
    const e = { good: 0.85 * full, bad: 0.15 * full }; // a cell that has seen a lot of 0.85
    for (let k = 1; k <= 40; k++) {
      addRating(e, 0.3); // the expected rating of a model whose quality fell to 0.3
      expect(e.good / (e.good + e.bad)).toBeCloseTo(0.3 + 0.55 * EVIDENCE_DECAY ** k, 9);
    }
    // With the seed (0.75, worth 10) the posterior mean is below 0.6 after 40 ratings; without decay it would still say 0.62.
    const p = posterior(0.75, DEFAULT_PRIOR_STRENGTH, e.good, e.bad);
    expect(posteriorMean(p.alpha, p.beta)).toBeLessThan(0.6);
    const undecayed = posterior(0.75, DEFAULT_PRIOR_STRENGTH, 0.85 * full + 0.3 * 40, 0.15 * full + 0.7 * 40);
    expect(posteriorMean(undecayed.alpha, undecayed.beta)).toBeGreaterThan(0.6);
  });
});

describe("sampleGamma (Marsaglia–Tsang)", () => {
  it.each([0.3, 1, 2.5, 40])("has mean and variance k for shape %s", (k) => {
    const random = mulberry32(7);
    const { mean, variance } = moments(() => sampleGamma(k, random), 40_000);
    expect(mean).toBeCloseTo(k, k < 5 ? 1 : 0);
    expect(variance / k).toBeGreaterThan(0.93);
    expect(variance / k).toBeLessThan(1.07);
  });

  it("only returns positive numbers", () => {
    const random = mulberry32(3);
    for (let i = 0; i < 2000; i++) expect(sampleGamma(0.05, random)).toBeGreaterThanOrEqual(0);
  });
});

describe("sampleBeta", () => {
  it.each([
    [8.5, 1.5],
    [3, 7],
    [0.4, 0.6],
    [51, 9],
  ])("matches the moments of Beta(%s, %s)", (a, b) => {
    const random = mulberry32(11);
    const { mean, variance } = moments(() => sampleBeta(a, b, random), 40_000);
    const n = a + b;
    expect(mean).toBeCloseTo(a / n, 2);
    expect(variance / ((a * b) / (n * n * (n + 1)))).toBeCloseTo(1, 1);
  });

  it("replays exactly from the same seed", () => {
    const a = mulberry32(42);
    const b = mulberry32(42);
    const xs = Array.from({ length: 50 }, () => sampleBeta(3, 4, a));
    expect(Array.from({ length: 50 }, () => sampleBeta(3, 4, b))).toEqual(xs);
  });

  it("stays a probability for corrupt or extreme parameters", () => {
    const random = mulberry32(5);
    for (const [a, b] of [
      [0, 0],
      [-1, 2],
      [Number.NaN, 3],
      [1e-9, 1e-9],
      [1e6, 1],
    ] as const) {
      const x = sampleBeta(a, b, random);
      expect(x).toBeGreaterThanOrEqual(0);
      expect(x).toBeLessThanOrEqual(1);
    }
  });
});
