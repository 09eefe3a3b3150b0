import { describe, expect, it } from "vitest";
import { ewma, peakEwma } from "./ewma";

const T0 = 1_700_000_000_000;
const TAU = 10_000;

describe("ewma", () => {
  it("takes the first sample as it is", () => {
    expect(ewma(999, 0, 120, T0, TAU)).toBe(120);
  });

  it("weighs the old value by exp(-elapsed / tau)", () => {
    const e1 = Math.exp(-1);
    expect(ewma(100, T0, 200, T0 + TAU, TAU)).toBeCloseTo(100 * e1 + 200 * (1 - e1), 9); // 163.2
    expect(ewma(100, T0, 200, T0 + 3 * TAU, TAU)).toBeCloseTo(100 * Math.exp(-3) + 200 * (1 - Math.exp(-3)), 9); // 195.0
  });

  it("decays by time, not by the number of samples", () => {
    // Ten samples within 10 ms barely move a value that one sample 10 s later moves a lot.
    let burst = 100;
    for (let i = 1; i <= 10; i++) burst = ewma(burst, T0 + i - 1, 200, T0 + i, TAU);
    expect(burst).toBeGreaterThan(100);
    expect(burst).toBeLessThan(100.2);
    expect(ewma(100, T0, 200, T0 + TAU, TAU)).toBeGreaterThan(160);
  });

  it("gives a sample at the same instant (or from a clock that went back) no weight", () => {
    expect(ewma(100, T0, 200, T0, TAU)).toBe(100);
    expect(ewma(100, T0, 200, T0 - 5_000, TAU)).toBe(100);
  });

  it("converges to a steady input", () => {
    let v = 0;
    let at = 0;
    for (let t = T0; t <= T0 + 100_000; t += 1_000) {
      v = ewma(v, at, 50, t, TAU);
      at = t;
    }
    expect(v).toBe(50);
    v = ewma(v, at, 10, at + 1_000, TAU);
    expect(v).toBeCloseTo(50 * Math.exp(-0.1) + 10 * (1 - Math.exp(-0.1)), 9);
  });
});

describe("peakEwma", () => {
  it("takes the first sample as it is", () => {
    expect(peakEwma(999, 0, 50, T0, TAU)).toBe(50);
  });

  it("jumps to a higher sample at once", () => {
    expect(peakEwma(100, T0, 400, T0 + 1, TAU)).toBe(400);
    expect(peakEwma(100, T0, 400, T0 + 60_000, TAU)).toBe(400);
    expect(peakEwma(100, T0, 101, T0 + 1, TAU)).toBe(101); // however small the rise
  });

  it("only decays towards a lower sample, at the ewma's pace", () => {
    expect(peakEwma(400, T0, 100, T0 + 10, TAU)).toBeGreaterThan(399);
    expect(peakEwma(400, T0, 100, T0 + TAU, TAU)).toBeCloseTo(400 * Math.exp(-1) + 100 * (1 - Math.exp(-1)), 9); // 210.4
    expect(peakEwma(400, T0, 100, T0 + TAU, TAU)).toBe(ewma(400, T0, 100, T0 + TAU, TAU));
  });

  it("needs time, not a burst of fast answers, to forget a slow one", () => {
    let v = peakEwma(100, T0, 1_000, T0, TAU);
    let at = T0;
    for (let i = 1; i <= 50; i++) {
      v = peakEwma(v, at, 100, T0 + i * 10, TAU);
      at = T0 + i * 10;
    }
    // 500 ms later: 1000 * e^-0.05 + 100 * (1 - e^-0.05) ~ 956
    expect(v).toBeCloseTo(100 + 900 * Math.exp(-0.05), 6);
  });
});
