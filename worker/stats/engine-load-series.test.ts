import { describe, expect, it } from "vitest";
import type { EngineLoad } from "./engine-load";
import { LoadSeries, MINUTE_MS, SERIES_MINUTES } from "./engine-load-series";

const load = (at: number, waiting: number, kvUsage: number, prefixHitRate: number | null = null): EngineLoad => ({ waiting, running: 1, kvUsage, prefixHitRate, at });
const T0 = 1_800_000_000_000 - (1_800_000_000_000 % MINUTE_MS);

describe("LoadSeries", () => {
  it("keeps each minute's means, and a hit rate only from readings that had one", () => {
    const s = LoadSeries.empty();
    expect(s.add(load(T0, 2, 0.2, 0.5))).toBe(true);
    expect(s.add(load(T0 + 2_000, 4, 0.4, null))).toBe(false);
    expect(s.add(load(T0 + MINUTE_MS, 10, 0.9))).toBe(true);
    expect(s.points(T0 + MINUTE_MS + 1)).toEqual([
      { minute: T0, readings: 2, waiting: 3, running: 1, kvUsage: 0.3, prefixHitRate: 0.5 },
      { minute: T0 + MINUTE_MS, readings: 1, waiting: 10, running: 1, kvUsage: 0.9, prefixHitRate: null },
    ]);
  });

  it("holds one hour: older minutes leave the ring and the read-out", () => {
    const s = LoadSeries.empty();
    for (let m = 0; m < 90; m++) s.add(load(T0 + m * MINUTE_MS, m, 0));
    expect(s.toJSON()).toHaveLength(SERIES_MINUTES);
    const points = s.points(T0 + 90 * MINUTE_MS);
    expect(points[0]!.waiting).toBe(31);
    expect(points.at(-1)!.waiting).toBe(89);
    expect(s.points(T0 + 200 * MINUTE_MS)).toEqual([]);
  });

  it("survives storage, and drops damaged rows instead of failing", () => {
    const s = LoadSeries.empty();
    s.add(load(T0, 1, 0.5));
    expect(LoadSeries.from(JSON.parse(JSON.stringify(s))).points(T0 + 1)).toEqual(s.points(T0 + 1));
    for (const bad of [null, "x", {}, [{ minute: "1" }], [{ __proto__: { minute: 1 } }]]) expect(LoadSeries.from(bad).points(T0)).toEqual([]);
  });

  it("puts a reading from a clock step back into the current minute", () => {
    const s = LoadSeries.empty();
    s.add(load(T0 + MINUTE_MS, 2, 0));
    expect(s.add(load(T0, 4, 0))).toBe(false);
    expect(s.points(T0 + MINUTE_MS + 1)).toEqual([expect.objectContaining({ minute: T0 + MINUTE_MS, readings: 2, waiting: 3 })]);
  });
});
