import { describe, expect, it } from "vitest";
import { mulberry32 as prng } from "../../harness/random";
import { DDSketch } from "./ddsketch";

/** Log-normal samples (Box-Muller), shaped like latencies: median e^mu ms. */
function logNormal(n: number, seed: number, mu = Math.log(300), sigma = 0.8): number[] {
  const random = prng(seed);
  const out: number[] = [];
  while (out.length < n) {
    const u1 = 1 - random();
    const u2 = random();
    const z = Math.sqrt(-2 * Math.log(u1)) * Math.cos(2 * Math.PI * u2);
    out.push(Math.exp(mu + sigma * z));
  }
  return out;
}

/** The sketch's quantile definition, exactly: the sample at rank floor(q * (n - 1)). */
function exactQuantile(sorted: number[], q: number): number {
  return sorted[Math.floor(q * (sorted.length - 1))]!;
}

const relErr = (estimate: number, exact: number) => Math.abs(estimate - exact) / exact;
const QUANTILES = [0.5, 0.9, 0.95, 0.99];

describe("DDSketch", () => {
  const samples = logNormal(10_000, 42);
  const sorted = [...samples].sort((a, b) => a - b);

  it("returns NaN when empty", () => {
    expect(new DDSketch().quantile(0.5)).toBeNaN();
    expect(new DDSketch().count).toBe(0);
  });

  it.each([0.02, 0.01, 0.05])("keeps every quantile of 10,000 log-normal samples within alpha = %s", (alpha) => {
    const sketch = new DDSketch(alpha);
    for (const v of samples) sketch.add(v);
    expect(sketch.count).toBe(10_000);
    expect(sketch.sum).toBeCloseTo(samples.reduce((a, b) => a + b, 0), 3);
    for (const q of [...QUANTILES, 0, 0.25, 1]) {
      const exact = exactQuantile(sorted, q);
      expect(relErr(sketch.quantile(q), exact), `q=${q}`).toBeLessThanOrEqual(alpha + 1e-12);
    }
    // The bound is tight enough to matter: the spread of the data dwarfs it.
    expect(exactQuantile(sorted, 0.99) / exactQuantile(sorted, 0.5)).toBeGreaterThan(5);
  });

  it("reports quantiles in order and clamps q to [0, 1]", () => {
    const sketch = new DDSketch();
    for (const v of samples) sketch.add(v);
    const qs = [0, 0.1, 0.5, 0.9, 0.99, 1].map((q) => sketch.quantile(q));
    expect([...qs].sort((a, b) => a - b)).toEqual(qs);
    expect(qs[0]).toBeLessThan(qs[5]!);
    expect(sketch.quantile(-1)).toBe(sketch.quantile(0));
    expect(sketch.quantile(2)).toBe(sketch.quantile(1));
  });

  it("merges into exactly what one sketch of all the samples holds", () => {
    const other = logNormal(5_000, 7, Math.log(900), 0.5); // a slower, different shape
    const all = new DDSketch();
    for (const v of [...samples, ...other]) all.add(v);
    const a = new DDSketch();
    const b = new DDSketch();
    samples.forEach((v) => a.add(v));
    other.forEach((v) => b.add(v));
    a.merge(b);
    const [ja, jall] = [a.toJSON(), all.toJSON()];
    expect(ja.keys).toEqual(jall.keys);
    expect(ja.counts).toEqual(jall.counts);
    expect(ja.zeros).toBe(jall.zeros);
    expect(a.count).toBe(15_000);
    expect(ja.sum).toBeCloseTo(jall.sum, 0);
    for (const q of QUANTILES) expect(a.quantile(q)).toBe(all.quantile(q));
    // And the merged sketch is still accurate against the merged data.
    const merged = [...samples, ...other].sort((x, y) => x - y);
    for (const q of QUANTILES) expect(relErr(a.quantile(q), exactQuantile(merged, q))).toBeLessThanOrEqual(0.02 + 1e-12);
  });

  it("decays counts and sum by the factor while the shape stays", () => {
    const sketch = new DDSketch();
    for (const v of samples.slice(0, 1_000)) sketch.add(v);
    const before = sketch.toJSON();
    const sum = sketch.sum;
    const medians = QUANTILES.map((q) => sketch.quantile(q));
    sketch.decay(0.5);
    const after = sketch.toJSON();
    expect(sketch.count).toBe(500);
    expect(sketch.sum).toBeCloseTo(sum / 2, 6);
    expect(after.keys).toEqual(before.keys);
    expect(after.counts).toEqual(before.counts.map((c) => c / 2));
    expect(QUANTILES.slice(0, 3).map((q) => sketch.quantile(q))).toEqual(medians.slice(0, 3));
    // Ranks are q x (count - 1), so halving the count may move a quantile by one
    // sample, never more: it stays within alpha of a neighbouring rank.
    const first = [...samples.slice(0, 1_000)].sort((a, b) => a - b);
    for (const q of QUANTILES) {
      const k = Math.floor(q * 999);
      const best = Math.min(...[k - 1, k, k + 1].map((r) => relErr(sketch.quantile(q), first[r]!)));
      expect(best, `q=${q}`).toBeLessThanOrEqual(0.02 + 1e-12);
    }
  });

  it("lets decayed history give way to recent samples", () => {
    const sketch = new DDSketch();
    for (let i = 0; i < 1_000; i++) sketch.add(100);
    sketch.decay(0.1); // 1,000 old samples now weigh 100
    for (let i = 0; i < 900; i++) sketch.add(1_000);
    expect(relErr(sketch.quantile(0.5), 1_000)).toBeLessThanOrEqual(0.02);
    expect(relErr(sketch.quantile(0.05), 100)).toBeLessThanOrEqual(0.02);
  });

  it("drops buckets that decay to almost nothing", () => {
    const sketch = new DDSketch();
    sketch.add(10);
    sketch.add(1_000, 100);
    sketch.decay(0.005); // 1 -> 0.005 (dropped), 100 -> 0.5 (kept)
    expect(sketch.toJSON().keys).toHaveLength(1);
    expect(relErr(sketch.quantile(0), 1_000)).toBeLessThanOrEqual(0.02);
    // No phantom weight from the dropped bucket: the count is what is left.
    expect(sketch.count).toBeCloseTo(0.5, 9);
  });

  it("round-trips through JSON", () => {
    const sketch = new DDSketch(0.01, 256);
    for (const v of samples) sketch.add(v);
    sketch.add(0, 3);
    const restored = DDSketch.from(JSON.parse(JSON.stringify(sketch)), 0.01, 256);
    expect(restored.toJSON()).toEqual(sketch.toJSON());
    expect(restored.count).toBe(10_003);
    for (const q of [0, ...QUANTILES, 1]) expect(restored.quantile(q)).toBe(sketch.quantile(q));
    // The restored sketch keeps working like the original.
    sketch.add(5_000);
    restored.add(5_000);
    expect(restored.toJSON()).toEqual(sketch.toJSON());
  });

  it("starts empty from nothing", () => {
    const empty = DDSketch.from(undefined);
    expect(empty.count).toBe(0);
    expect(empty.quantile(0.5)).toBeNaN();
    expect(empty.toJSON()).toEqual({ keys: [], counts: [], zeros: 0, count: 0, sum: 0 });
  });

  it("keeps at most maxBins buckets over a wide range, blurring only the lowest values", () => {
    const random = prng(3);
    const wide = Array.from({ length: 2_000 }, () => Math.pow(10, -6 + 12 * random())); // 1e-6 .. 1e6
    const wideSorted = [...wide].sort((a, b) => a - b);
    const sketch = new DDSketch(0.02, 64);
    for (const v of wide) {
      sketch.add(v);
      expect(sketch.toJSON().keys.length).toBeLessThanOrEqual(64);
    }
    expect(sketch.toJSON().keys).toHaveLength(64);
    expect(sketch.count).toBe(2_000);
    // 64 buckets of 4% cover ~13x: the top of the distribution stays exact to alpha...
    for (const q of [0.95, 0.99, 1]) expect(relErr(sketch.quantile(q), exactQuantile(wideSorted, q))).toBeLessThanOrEqual(0.02 + 1e-12);
    // ...while the collapsed low end reads high, never low.
    expect(sketch.quantile(0)).toBeGreaterThan(exactQuantile(wideSorted, 0) * 1000);

    // Merging two full sketches over different ranges stays within the bound too.
    const low = new DDSketch(0.02, 64);
    const high = new DDSketch(0.02, 64);
    for (let i = 0; i < 64; i++) {
      low.add(Math.pow(1.05, i));
      high.add(1e4 * Math.pow(1.05, i));
    }
    expect(low.toJSON().keys).toHaveLength(64);
    low.merge(high);
    expect(low.toJSON().keys).toHaveLength(64);
    expect(low.count).toBe(128);
    expect(relErr(low.quantile(1), 1e4 * Math.pow(1.05, 63))).toBeLessThanOrEqual(0.02);
  });

  it("ignores NaN, negative and infinite values; counts zeros", () => {
    const sketch = new DDSketch();
    for (const v of [Number.NaN, -1, -0.5, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY]) sketch.add(v);
    expect(sketch.count).toBe(0);
    expect(sketch.sum).toBe(0);
    expect(sketch.quantile(0.5)).toBeNaN();
    for (let i = 0; i < 10; i++) sketch.add(0);
    for (let i = 0; i < 10; i++) sketch.add(100);
    expect(sketch.count).toBe(20);
    expect(sketch.toJSON().zeros).toBe(10);
    expect(sketch.quantile(0.25)).toBe(0);
    expect(relErr(sketch.quantile(0.9), 100)).toBeLessThanOrEqual(0.02);
  });

  it("adds weighted samples", () => {
    const sketch = new DDSketch();
    sketch.add(50, 3);
    sketch.add(500, 1);
    expect(sketch.count).toBe(4);
    expect(sketch.sum).toBe(650);
    expect(relErr(sketch.quantile(0.5), 50)).toBeLessThanOrEqual(0.02);
    expect(relErr(sketch.quantile(1), 500)).toBeLessThanOrEqual(0.02);
  });
});
