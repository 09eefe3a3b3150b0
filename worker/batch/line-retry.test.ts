import { describe, expect, it } from "vitest";
import { nextAttemptAt, retryable } from "./line-retry";

describe("line retries", () => {
  it("retries only what may pass", () => {
    expect([429, 500, 502, 503, 504, 0, 408].every(retryable)).toBe(true);
    expect([200, 400, 401, 402, 404, 413, 422].some(retryable)).toBe(false);
  });

  it("backs off, doubling, and stops after the last attempt", () => {
    expect(nextAttemptAt(502, 1, 0)).toBe(1_000);
    expect(nextAttemptAt(502, 2, 0)).toBe(2_000);
    expect(nextAttemptAt(502, 3, 0)).toBeNull();
    expect(nextAttemptAt(400, 1, 0)).toBeNull();
    expect(nextAttemptAt(503, 9, 0, 20)).toBe(60_000); // capped
  });
});
