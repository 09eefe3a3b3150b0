import { describe, expect, it } from "vitest";
import { retryAfterMs, ttftEstimate } from "./observation";

describe("ttftEstimate", () => {
  it("subtracts the known decoding time from the total", () => {
    expect(ttftEstimate(1_000, 51, 10)).toBe(500);
    expect(ttftEstimate(2_000, 2, 12.5)).toBe(1_987.5);
  });

  it("falls back to the total without a per-token time or with at most one token", () => {
    expect(ttftEstimate(1_000, 51, null)).toBe(1_000);
    expect(ttftEstimate(1_000, 1, 10)).toBe(1_000);
    expect(ttftEstimate(1_000, 0, 10)).toBe(1_000);
  });

  it("never goes below 1 ms", () => {
    expect(ttftEstimate(100, 51, 10)).toBe(1);
  });
});

describe("retryAfterMs", () => {
  const now = Date.parse("Wed, 21 Oct 2015 07:28:00 GMT");

  it("is 0 without a header", () => {
    expect(retryAfterMs(null, now)).toBe(0);
    expect(retryAfterMs("", now)).toBe(0);
  });

  it("reads seconds", () => {
    expect(retryAfterMs("120", now)).toBe(120_000);
    expect(retryAfterMs(" 7 ", now)).toBe(7_000);
    expect(retryAfterMs("1.5", now)).toBe(1_500);
    expect(retryAfterMs("0", now)).toBe(0);
  });

  it("clamps seconds to [0, 1 hour]", () => {
    expect(retryAfterMs("-5", now)).toBe(0);
    expect(retryAfterMs("3600", now)).toBe(3_600_000);
    expect(retryAfterMs("86400", now)).toBe(3_600_000);
  });

  it("reads an HTTP date relative to now", () => {
    expect(retryAfterMs("Wed, 21 Oct 2015 07:28:30 GMT", now)).toBe(30_000);
    expect(retryAfterMs("Wed, 21 Oct 2015 07:38:00 GMT", now)).toBe(600_000);
  });

  it("clamps dates: past is 0, far future is 1 hour", () => {
    expect(retryAfterMs("Wed, 21 Oct 2015 07:27:00 GMT", now)).toBe(0);
    expect(retryAfterMs("Thu, 22 Oct 2015 07:28:00 GMT", now)).toBe(3_600_000);
  });

  it("ignores garbage", () => {
    expect(retryAfterMs("soon", now)).toBe(0);
    expect(retryAfterMs("in a while", now)).toBe(0);
    expect(retryAfterMs("12s", now)).toBe(0);
    expect(retryAfterMs("NaN", now)).toBe(0);
  });
});
