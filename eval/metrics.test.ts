import { describe, expect, it } from "vitest";
import { confusion, countBy, fmtRatio, markdownTable, recommend, scores, thresholdGrid, wilsonLower } from "./lib/metrics";

const o = (duplicate: boolean, hit: boolean) => ({ duplicate, hit });

describe("scores", () => {
  it("counts the four cells", () => {
    expect(confusion([o(true, true), o(true, false), o(false, true), o(false, false), o(false, false)])).toEqual({ tp: 1, fn: 1, fp: 1, tn: 2 });
  });

  it("computes precision, recall and hit rate", () => {
    const s = scores([o(true, true), o(true, true), o(true, false), o(false, true), o(false, false)]);
    expect(s.n).toBe(5);
    expect(s.precision).toBeCloseTo(2 / 3);
    expect(s.recall).toBeCloseTo(2 / 3);
    expect(s.hitRate).toBeCloseTo(3 / 5);
  });

  it("leaves precision undefined without hits and recall undefined without duplicates", () => {
    const none = scores([o(true, false), o(false, false)]);
    expect(none.precision).toBeNaN();
    expect(none.recall).toBe(0);
    expect(none.hitRate).toBe(0);
    const noDup = scores([o(false, true)]);
    expect(noDup.recall).toBeNaN();
    expect(noDup.precision).toBe(0);
    expect(scores([]).hitRate).toBeNaN();
  });
});

describe("wilsonLower", () => {
  it("is below the observed share and tightens with more trials", () => {
    expect(wilsonLower(10, 10)).toBeLessThan(1);
    expect(wilsonLower(10, 10)).toBeCloseTo(0.7225, 3);
    expect(wilsonLower(1000, 1000)).toBeGreaterThan(wilsonLower(100, 100));
    expect(wilsonLower(0, 10)).toBe(0);
    expect(wilsonLower(0, 0)).toBeNaN();
  });
});

describe("recommend", () => {
  const row = (threshold: number, tp: number, fp: number, fn: number) => ({
    threshold,
    scores: scores([...Array(tp).fill(o(true, true)), ...Array(fp).fill(o(false, true)), ...Array(fn).fill(o(true, false))]),
  });

  it("takes the best recall that keeps precision high enough", () => {
    const rows = [row(0.8, 90, 5, 10), row(0.85, 80, 1, 20), row(0.9, 60, 0, 40), row(0.95, 30, 0, 70)];
    expect(recommend(rows, 0.99)?.threshold).toBe(0.9);
    expect(recommend(rows, 0.95)?.threshold).toBe(0.85);
    expect(recommend(rows, 0.9)?.threshold).toBe(0.8);
  });

  it("prefers the higher threshold on equal recall and skips thresholds without hits", () => {
    expect(recommend([row(0.9, 50, 0, 50), row(0.92, 50, 0, 50), row(0.99, 0, 0, 100)], 0.99)?.threshold).toBe(0.92);
    expect(recommend([row(0.99, 0, 0, 100)], 0.99)).toBeNull();
    expect(recommend([row(0.8, 10, 10, 0)], 0.99)).toBeNull();
  });
});

describe("helpers", () => {
  it("builds a grid without float drift", () => {
    expect(thresholdGrid(0.8, 0.82, 0.01)).toEqual([0.8, 0.81, 0.82]);
    expect(thresholdGrid(0.5, 0.99, 0.01)).toHaveLength(50);
    expect(thresholdGrid(0.5, 0.99, 0.01).at(-1)).toBe(0.99);
  });

  it("counts by key in key order", () => {
    expect([...countBy(["b", "a", "b"], (x) => x)]).toEqual([["a", 1], ["b", 2]]);
  });

  it("formats ratios and tables", () => {
    expect(fmtRatio(0.98765)).toBe("0.988");
    expect(fmtRatio(NaN)).toBe("–");
    const t = markdownTable(["kind", "n"], [["a|b", "3"], ["c", "12"]]).split("\n");
    expect(t[0]).toBe("| kind | n |");
    expect(t[1]).toBe("| --- | ---: |");
    expect(t[2]).toBe("| a\\|b | 3 |");
  });
});
