import { describe, expect, it } from "vitest";
import { MINUTE_MS, type LoadPoint } from "../stats/engine-load-series";
import { queueScale, SPARK_HEIGHT, SPARK_WIDTH, sparkPoints } from "./spark";

const NOW = 1_800_000_000_000;
const point = (minutesAgo: number, waiting: number, kvUsage: number, prefixHitRate: number | null): LoadPoint => ({
  minute: NOW - minutesAgo * MINUTE_MS, readings: 1, waiting, running: 0, kvUsage, prefixHitRate,
});

describe("sparkPoints", () => {
  it("places points by their minute within the hour and scales them to the box", () => {
    const series = [point(60, 0, 0, 0), point(1, 10, 1, null)];
    const [first, last] = sparkPoints(series, "kvUsage", NOW, 1).split(" ").map((p) => p.split(",").map(Number));
    expect(first![0]).toBeCloseTo(1, 0);
    expect(first![1]).toBe(SPARK_HEIGHT - 1);
    expect(last![0]).toBeCloseTo(SPARK_WIDTH - 1, 0);
    expect(last![1]).toBe(1);
  });

  it("leaves out minutes without a value and older than the hour, and survives a zero or NaN scale", () => {
    const series = [point(90, 5, 0.5, 0.5), point(30, 5, 0.5, null), point(10, 5, 0.5, 0.8)];
    expect(sparkPoints(series, "prefixHitRate", NOW, 1).split(" ")).toHaveLength(1);
    expect(sparkPoints(series, "waiting", NOW, 0)).not.toContain("NaN");
    expect(sparkPoints(series, "waiting", NOW, Number.NaN)).not.toContain("NaN");
    expect(sparkPoints([], "waiting", NOW, 1)).toBe("");
  });

  it("scales a queue to the hour's peak", () => {
    expect(queueScale([point(3, 4, 0, null), point(2, 12, 0, null)])).toBe(12);
    expect(queueScale([])).toBe(1);
  });
});
