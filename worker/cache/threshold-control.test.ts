import { describe, expect, it } from "vitest";
import { effectiveCut, LOOSEN_EVIDENCE, MAX_CUT, NO_EVIDENCE, nextCut, wilson, withVerdict, type CutState } from "./threshold-control";

const policy = { configured: 0.93, target: 0.99 };
const evidence = (agree: number, wrong: number, extra: Partial<CutState> = {}): CutState => ({ ...NO_EVIDENCE, agree, wrong, ...extra });

describe("wilson", () => {
  it("matches published values", () => {
    // 95 of 100: [0.8883, 0.9785] (Wilson 1927; e.g. Newcombe 1998, table I).
    const { low, high } = wilson(95, 100);
    expect(low).toBeCloseTo(0.8883, 3);
    expect(high).toBeCloseTo(0.9785, 3);
    expect(wilson(0, 1).high).toBeCloseTo(0.7935, 3);
  });
  it("says nothing without evidence, or with impossible counts", () => {
    expect(wilson(0, 0)).toEqual({ low: 0, high: 1 });
    expect(wilson(Number.NaN, 3)).toEqual({ low: 0, high: 1 });
    expect(wilson(5, 3)).toEqual({ low: 0, high: 1 });
  });
});

describe("nextCut", () => {
  it("keeps the configured cut while there is no evidence or precision is plausibly on target", () => {
    expect(nextCut(NO_EVIDENCE, policy).cut).toBeNull();
    expect(nextCut(evidence(100, 1), policy).cut).toBeNull(); // 99/101: the upper bound is above 0.99
  });

  it("tightens on a single wrong hit, past that hit's own score", () => {
    const next = nextCut(withVerdict(NO_EVIDENCE, false, 0.99), policy);
    expect(next.cut).toBeCloseTo(0.991, 6);
    expect(next).toMatchObject({ agree: 0, wrong: 0, worstWrong: null });
  });

  it("tightens halfway to the ceiling when the wrong hits scored low, and never past the ceiling", () => {
    let state = nextCut(evidence(10, 5), policy);
    expect(state.cut).toBeCloseTo((0.93 + MAX_CUT) / 2, 6);
    for (let i = 0; i < 30; i++) state = nextCut(evidence(0, 3, { cut: state.cut }), policy);
    expect(state.cut).toBeLessThanOrEqual(MAX_CUT);
    expect(state.cut).toBeGreaterThan(0.998);
    const atCeiling = nextCut(evidence(0, 3, { cut: MAX_CUT }), policy);
    expect(atCeiling.cut).toBe(MAX_CUT);
  });

  it("loosens only with enough evidence, halfway back towards the configured cut", () => {
    const tight = 0.97;
    expect(nextCut(evidence(LOOSEN_EVIDENCE - 1, 0, { cut: tight }), policy).cut).toBe(tight);
    expect(nextCut(evidence(LOOSEN_EVIDENCE * 2, 2, { cut: tight }), policy).cut).toBe(tight); // lower bound < 0.99
    const loosened = nextCut(evidence(1000, 0, { cut: tight }), policy);
    expect(loosened.cut).toBeCloseTo(0.95, 6);
    expect(loosened.agree).toBe(0);
    // Close enough to the configured cut: dropped.
    expect(nextCut(evidence(1000, 0, { cut: 0.9305 }), policy).cut).toBeNull();
  });

  it("drops a tightened cut the configuration has overtaken", () => {
    expect(nextCut(evidence(1, 0, { cut: 0.95 }), { ...policy, configured: 0.96 }).cut).toBeNull();
  });

  it("uses the stricter of configured and tightened", () => {
    expect(effectiveCut({ cut: null }, 0.93)).toBe(0.93);
    expect(effectiveCut({ cut: 0.97 }, 0.93)).toBe(0.97);
    expect(effectiveCut({ cut: 0.95 }, 0.96)).toBe(0.96);
  });

  it("ignores scores outside [0, 1] and hostile configured values", () => {
    expect(withVerdict(NO_EVIDENCE, false, Number.NaN).worstWrong).toBeNull();
    expect(withVerdict(NO_EVIDENCE, false, 7).worstWrong).toBeNull();
    const next = nextCut(evidence(0, 1), { configured: Number.NaN, target: 0.99 });
    expect(next.cut).toBeGreaterThan(0);
    expect(next.cut).toBeLessThanOrEqual(MAX_CUT);
  });
});
