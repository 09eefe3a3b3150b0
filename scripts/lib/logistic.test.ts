import { describe, expect, it } from "vitest";
import { choleskySolve, fitLogistic, logLoss } from "./logistic";

describe("choleskySolve", () => {
  it("solves a small positive-definite system", () => {
    const x = choleskySolve(Float64Array.from([4, 2, 2, 3]), Float64Array.from([2, 1]), 2);
    expect(x[0]).toBeCloseTo(0.5, 12);
    expect(x[1]).toBeCloseTo(0, 12);
  });

  it("refuses a matrix that is not positive definite", () => {
    expect(() => choleskySolve(Float64Array.from([0, 1, 1, 0]), Float64Array.from([1, 1]), 2)).toThrow(/positive definite/);
  });
});

describe("fitLogistic", () => {
  // y = 1 when x > 0.5, with some overlap: the fit must put its boundary near 0.5.
  const xs = Array.from({ length: 200 }, (_, i) => i / 199);
  const rows = { x: xs.map((v) => Float64Array.of(v)), y: xs.map((v, i) => (v > 0.5 !== (i % 10 === 0) ? 1 : 0)), w: xs.map(() => 1) };

  it("finds the boundary and beats the constant model", () => {
    const fit = fitLogistic(rows, 1, 1e-3);
    expect(-fit.bias / fit.weights[0]!).toBeGreaterThan(0.4);
    expect(-fit.bias / fit.weights[0]!).toBeLessThan(0.6);
    expect(logLoss(rows, fit)).toBeLessThan(logLoss(rows, { weights: Float64Array.of(0), bias: 0, iterations: 0 }));
  });

  it("is deterministic and shrinks with a stronger penalty", () => {
    expect(fitLogistic(rows, 1, 1e-3)).toEqual(fitLogistic(rows, 1, 1e-3));
    expect(Math.abs(fitLogistic(rows, 1, 100).weights[0]!)).toBeLessThan(Math.abs(fitLogistic(rows, 1, 1e-3).weights[0]!));
  });

  it("ignores rows of weight 0", () => {
    const noisy = { x: [...rows.x, Float64Array.of(0)], y: [...rows.y, 1], w: [...rows.w, 0] };
    expect(fitLogistic(noisy, 1, 1e-3).weights[0]).toBeCloseTo(fitLogistic(rows, 1, 1e-3).weights[0]!, 9);
  });
});
