import { describe, expect, it } from "vitest";
import { lateGrowth, rssMiB } from "./rss";

describe("lateGrowth", () => {
  it("compares the last third with the middle third, ignoring warm-up", () => {
    expect(lateGrowth([10, 10, 10, 100, 100, 100, 110, 110, 110])).toEqual({ middle: 100, last: 110, growth: 0.1 });
    expect(lateGrowth([50, 100, 100, 100]).growth).toBe(0);
  });

  it("says NaN with too few samples", () => {
    expect(lateGrowth([1, 2]).growth).toBeNaN();
  });
});

describe("rssMiB", () => {
  it("reads this process's resident memory", () => {
    expect(rssMiB(process.pid)).toBeGreaterThan(1);
    expect(rssMiB(-1)).toBeNaN();
  });
});
