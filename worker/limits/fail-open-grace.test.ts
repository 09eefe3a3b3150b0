import { describe, expect, it } from "vitest";
import { FailOpenGrace, GRACE_WINDOW_MS } from "./fail-open-grace";

const T0 = 1_700_000_000_000;

describe("FailOpenGrace", () => {
  const allowance = { requests: 3, units: 100 };

  it("admits up to the allowance per key and window, by requests and by units", () => {
    const clock = { now: T0 };
    const grace = new FailOpenGrace(() => clock.now);
    expect([1, 2, 3, 4].map(() => grace.take("a", 10, allowance))).toEqual([true, true, true, false]);
    expect([60, 50, 40].map((u) => grace.take("b", u, allowance))).toEqual([true, false, true]);
    expect(grace.counters).toEqual({ admitted: 5, refused: 2 });
  });

  it("starts over each window", () => {
    const clock = { now: T0 };
    const grace = new FailOpenGrace(() => clock.now);
    for (let i = 0; i < 3; i++) grace.take("a", 0, allowance);
    clock.now += GRACE_WINDOW_MS - 1;
    expect(grace.take("a", 0, allowance)).toBe(false);
    clock.now += 1;
    expect(grace.take("a", 0, allowance)).toBe(true);
  });

  it("never admits an amount that is not a number, or negative", () => {
    const grace = new FailOpenGrace(() => T0);
    for (const units of [Number.NaN, -1, Number.POSITIVE_INFINITY]) expect(grace.take("a", units, allowance)).toBe(false);
    expect(grace.take("a", 1, allowance)).toBe(true);
  });

  it("stays bounded however many keys it sees", () => {
    const grace = new FailOpenGrace(() => T0);
    for (let i = 0; i < 12_000; i++) grace.take(`t${i}`, 0, allowance);
    expect(grace.sizes().size).toBeLessThanOrEqual(grace.sizes().bound);
  });
});
