import { describe, expect, it } from "vitest";
import { SlidingCounts } from "./window";

const T0 = 1_700_000_000_000; // a slot boundary (multiple of 10 s)

describe("SlidingCounts", () => {
  it("counts successes and errors within the window", () => {
    const w = new SlidingCounts();
    expect(w.totals(T0)).toEqual({ ok: 0, err: 0 });
    w.record(true, T0);
    w.record(true, T0 + 5_000);
    w.record(false, T0 + 12_000);
    w.record(true, T0 + 31_000, 3);
    w.record(false, T0 + 49_999, 2);
    expect(w.totals(T0 + 50_000)).toEqual({ ok: 5, err: 3 });
  });

  it("forgets old slots one by one", () => {
    const w = new SlidingCounts(); // 6 slots of 10 s
    w.record(false, T0 + 1_000);
    w.record(false, T0 + 11_000);
    w.record(false, T0 + 21_000);
    w.record(true, T0 + 21_500);
    expect(w.totals(T0 + 59_999)).toEqual({ ok: 1, err: 3 });
    expect(w.totals(T0 + 60_000)).toEqual({ ok: 1, err: 2 }); // the slot starting at T0 aged out
    expect(w.totals(T0 + 75_000)).toEqual({ ok: 1, err: 1 });
    expect(w.totals(T0 + 85_000)).toEqual({ ok: 0, err: 0 });
    expect(w.totals(T0 + 3_600_000)).toEqual({ ok: 0, err: 0 });
  });

  it("reuses a ring slot without carrying over its old counts", () => {
    const w = new SlidingCounts();
    w.record(false, T0 + 1_000, 10);
    w.record(true, T0 + 61_000); // same ring index, a minute later
    expect(w.totals(T0 + 61_000)).toEqual({ ok: 1, err: 0 });
    // Much later, same index again.
    w.record(true, T0 + 600_000 + 2_000);
    expect(w.totals(T0 + 600_000 + 2_000)).toEqual({ ok: 1, err: 0 });
  });

  it("honours its slot count and size", () => {
    const w = new SlidingCounts(3, 1_000);
    w.record(false, T0);
    w.record(false, T0 + 1_000);
    w.record(false, T0 + 2_000);
    expect(w.totals(T0 + 2_999)).toEqual({ ok: 0, err: 3 });
    expect(w.totals(T0 + 3_000)).toEqual({ ok: 0, err: 2 });
  });

  it("round-trips through JSON", () => {
    const w = new SlidingCounts();
    w.record(true, T0 + 1_000, 4);
    w.record(false, T0 + 15_000);
    w.record(true, T0 + 33_000);
    const restored = SlidingCounts.from(JSON.parse(JSON.stringify(w)));
    expect(restored.toJSON()).toEqual(w.toJSON());
    for (const t of [T0 + 40_000, T0 + 62_000, T0 + 80_000]) expect(restored.totals(t)).toEqual(w.totals(t));
    expect(restored.totals(T0 + 40_000)).toEqual({ ok: 5, err: 1 });
    // Recording after the round trip behaves the same on both.
    w.record(false, T0 + 61_000);
    restored.record(false, T0 + 61_000);
    expect(restored.totals(T0 + 61_000)).toEqual(w.totals(T0 + 61_000));
    expect(restored.totals(T0 + 61_000)).toEqual({ ok: 1, err: 2 });
  });

  it("starts empty from missing or mismatched data", () => {
    const w = new SlidingCounts();
    w.record(false, T0, 5);
    expect(SlidingCounts.from(undefined).totals(T0)).toEqual({ ok: 0, err: 0 });
    expect(SlidingCounts.from(w.toJSON(), 6, 5_000).totals(T0)).toEqual({ ok: 0, err: 0 });
    expect(SlidingCounts.from(w.toJSON(), 4, 10_000).totals(T0)).toEqual({ ok: 0, err: 0 });
    expect(SlidingCounts.from(w.toJSON(), 6, 10_000).totals(T0)).toEqual({ ok: 0, err: 5 });
  });
});
