import { describe, expect, it } from "vitest";
import { ErrorPattern, parseFaults } from "./faults";

const take = (p: ErrorPattern, n: number): boolean[] => Array.from({ length: n }, () => p.next());

describe("ErrorPattern", () => {
  it("spreads errors evenly and exactly", () => {
    expect(take(new ErrorPattern(0.5), 6)).toEqual([false, true, false, true, false, true]);
    expect(take(new ErrorPattern(0.25), 8)).toEqual([false, false, false, true, false, false, false, true]);
    expect(take(new ErrorPattern(0.1), 100).filter(Boolean)).toHaveLength(10);
    expect(take(new ErrorPattern(0.1), 10)[9]).toBe(true);
    expect(take(new ErrorPattern(0), 5).some(Boolean)).toBe(false);
    expect(take(new ErrorPattern(1), 5).every(Boolean)).toBe(true);
  });

  it("restarts the pattern on a new rate", () => {
    const p = new ErrorPattern(0.5);
    p.next();
    p.setRate(0.5);
    expect(take(p, 2)).toEqual([false, true]);
  });
});

describe("parseFaults", () => {
  it("accepts a valid partial", () => {
    expect(parseFaults({ errorRate: 0.3, hang: true, status429: { retryAfterSeconds: 2 }, dropAfterTokens: null })).toEqual({
      errorRate: 0.3,
      hang: true,
      status429: { retryAfterSeconds: 2 },
      dropAfterTokens: null,
    });
  });

  it.each([[null], [[]], [{ errorRate: 2 }], [{ hang: "yes" }], [{ dropAfterTokens: -1 }], [{ status429: {} }], [{ nope: true }]])(
    "rejects %j",
    (v) => {
      expect(typeof parseFaults(v)).toBe("string");
    },
  );
});

describe("parseFaults: answer", () => {
  it("takes a refusal, a truncation or null, and nothing else", () => {
    expect(parseFaults({ answer: "refusal" })).toEqual({ answer: "refusal" });
    expect(parseFaults({ answer: "truncated" })).toEqual({ answer: "truncated" });
    expect(parseFaults({ answer: null })).toEqual({ answer: null });
    for (const bad of ["poor", 1, true, "__proto__"]) expect(parseFaults({ answer: bad })).toMatch(/answer must be/);
  });
});
