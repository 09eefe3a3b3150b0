import { describe, expect, it } from "vitest";
import { TokenBucket } from "./token-bucket";

const T0 = 1_700_000_000_000;

describe("TokenBucket", () => {
  it("starts full and refills at limit/60 per second, never above the limit", () => {
    const b = new TokenBucket(60, T0); // one token a second
    expect(b.available(T0)).toBe(60);
    b.take(60, T0);
    expect(b.available(T0)).toBe(0);
    expect(b.available(T0 + 1_500)).toBeCloseTo(1.5);
    expect(b.available(T0 + 30_000)).toBeCloseTo(30);
    expect(b.available(T0 + 600_000)).toBe(60);
  });

  it("admits one bucket plus the refill in any minute", () => {
    const b = new TokenBucket(30, T0);
    let admitted = 0;
    for (let t = T0; t < T0 + 60_000; t += 100) {
      if (b.available(t) >= 1) {
        b.take(1, t);
        admitted++;
      }
    }
    expect(admitted).toBeGreaterThanOrEqual(59);
    expect(admitted).toBeLessThanOrEqual(60); // 30 at once + 30 refilled over the minute
  });

  it("records debt below zero and pays it off with time", () => {
    const b = new TokenBucket(600, T0); // 10 a second
    b.take(600, T0);
    b.take(100, T0); // used more than it had leased
    expect(b.available(T0)).toBe(-100);
    expect(b.msUntil(1, T0)).toBe(10_100);
    expect(b.available(T0 + 10_000)).toBeCloseTo(0);
  });

  it("says how long until an amount is there, capped at the capacity", () => {
    const b = new TokenBucket(120, T0); // 2 a second
    b.take(120, T0);
    expect(b.msUntil(0, T0)).toBe(0);
    expect(b.msUntil(1, T0)).toBe(500);
    expect(b.msUntil(10, T0)).toBe(5_000);
    expect(b.msUntil(1_000, T0)).toBe(60_000); // more than a bucket: wait for a full one
    expect(b.msUntil(10, T0 + 5_000)).toBe(0);
  });

  it("never fills above capacity when tokens come back", () => {
    const b = new TokenBucket(10, T0);
    b.take(4, T0);
    b.give(3, T0);
    expect(b.available(T0)).toBe(9);
    b.give(5, T0);
    expect(b.available(T0)).toBe(10);
  });

  it("keeps the minute's usage across a limit change", () => {
    const b = new TokenBucket(10, T0);
    b.take(8, T0);
    b.resize(100, T0); // raised: 8 used, 92 left at once
    expect(b.available(T0)).toBe(92);
    b.resize(5, T0); // lowered below what was used: debt
    expect(b.available(T0)).toBe(-3);
    expect(b.capacity).toBe(5);
  });

  it("ignores a clock that steps back", () => {
    const b = new TokenBucket(60, T0);
    b.take(60, T0 + 1_000);
    expect(b.available(T0)).toBe(0);
  });
});
