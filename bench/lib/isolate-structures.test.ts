import { describe, expect, it } from "vitest";
import { PeakSizes, structureProblems, structureRows, type Structure } from "./isolate-structures";

const s = (name: string, size: number, bound: number | null, drains = false): Structure => ({ name, about: name, size, bound, drains, unit: "entries" });

describe("structureProblems", () => {
  it("passes work drained, caches within bounds and uncapped structures back at baseline", () => {
    const baseline = [s("flights", 0, null, true), s("cache", 400, 500), s("wasm", 4, null)];
    const peak = new PeakSizes();
    peak.add([s("flights", 12, null, true), s("cache", 500, 500), s("wasm", 4, null)]);
    expect(structureProblems(baseline, [s("flights", 0, null, true), s("cache", 480, 500), s("wasm", 4, null)], peak.peak)).toEqual([]);
  });

  it("names work left over, a bound broken and an uncapped structure that grew", () => {
    const baseline = [s("flights", 0, null, true), s("cache", 10, 500), s("wasm", 4, null)];
    const peak = new PeakSizes();
    peak.add([s("cache", 501, 500)]);
    expect(structureProblems(baseline, [s("flights", 2, null, true), s("cache", 10, 500), s("wasm", 8, null)], peak.peak)).toEqual([
      "flights still holds 2 entries after the drain (should be empty)",
      "cache reached 501, over its bound of 500",
      "wasm has no bound and grew from 4 to 8 entries after warm-up",
    ]);
  });
});

describe("structureRows", () => {
  it("shows baseline, peak, end and bound", () => {
    const peak = new PeakSizes();
    peak.add([s("cache", 30, 500)]);
    expect(structureRows([s("cache", 10, 500)], [s("cache", 20, 500), s("flights", 0, null, true)], peak.peak)).toEqual([
      ["cache", "10", "30", "20", "500"],
      ["flights", "0", "0", "0", "empty when idle"],
    ]);
  });
});
