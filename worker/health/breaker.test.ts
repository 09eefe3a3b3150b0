import { describe, expect, it } from "vitest";
import { closedBreaker, currentState, DEFAULT_BREAKER, onFailure, onSuccess, type BreakerConfig, type BreakerData } from "./breaker";

const T0 = 1_700_000_000_000;
/** A window too small for the error rate to count. */
const QUIET = { ok: 0, err: 1 };

function failTimes(b: BreakerData, n: number, now: number, config = DEFAULT_BREAKER): BreakerData {
  for (let i = 0; i < n; i++) b = onFailure(b, now, QUIET, 0, config);
  return b;
}

describe("circuit breaker", () => {
  it("starts closed with the configured cool-down", () => {
    expect(closedBreaker()).toEqual({ state: "closed", consecutiveFailures: 0, openedAt: 0, retryAt: 0, coolDownMs: 5_000 });
    expect(currentState(closedBreaker(), T0)).toBe("closed");
  });

  it("opens on N consecutive failures", () => {
    const four = failTimes(closedBreaker(), 4, T0);
    expect(four.state).toBe("closed");
    expect(four.consecutiveFailures).toBe(4);
    const five = onFailure(four, T0 + 10, QUIET);
    expect(five).toEqual({ state: "open", consecutiveFailures: 5, openedAt: T0 + 10, retryAt: T0 + 10 + 5_000, coolDownMs: 5_000 });
  });

  it("counts only consecutive failures: a success resets the count", () => {
    let b = failTimes(closedBreaker(), 4, T0);
    b = onSuccess(b);
    expect(b.consecutiveFailures).toBe(0);
    b = failTimes(b, 4, T0 + 1);
    expect(b.state).toBe("closed");
  });

  it("follows its configuration", () => {
    const config: BreakerConfig = { consecutiveFailures: 2, errorRate: 0.2, minSamples: 5, coolDownMs: 1_000, maxCoolDownMs: 3_000 };
    const b = failTimes(closedBreaker(config), 2, T0, config);
    expect(b.state).toBe("open");
    expect(b.retryAt).toBe(T0 + 1_000);
    expect(onFailure(closedBreaker(config), T0, { ok: 4, err: 1 }, 0, config).state).toBe("open");
    expect(onFailure(closedBreaker(config), T0, { ok: 5, err: 1 }, 0, config).state).toBe("closed");
  });

  it("opens on an error rate over the window, once there are enough samples", () => {
    expect(onFailure(closedBreaker(), T0, { ok: 5, err: 5 }).state).toBe("open"); // 50% of 10
    expect(onFailure(closedBreaker(), T0, { ok: 6, err: 4 }).state).toBe("closed"); // 40%
    expect(onFailure(closedBreaker(), T0, { ok: 1, err: 8 }).state).toBe("closed"); // 89%, but only 9 samples
    expect(onFailure(closedBreaker(), T0, { ok: 0, err: 10 }).state).toBe("open");
  });

  it("opens for at least a Retry-After, even on a first failure", () => {
    const b = onFailure(closedBreaker(), T0, QUIET, 30_000);
    expect(b.state).toBe("open");
    expect(b.retryAt).toBe(T0 + 30_000);
    expect(currentState(b, T0 + 29_999)).toBe("open");
    expect(currentState(b, T0 + 30_000)).toBe("half_open");
    // A Retry-After shorter than the cool-down does not shorten the cool-down.
    expect(onFailure(closedBreaker(), T0, QUIET, 1_000).retryAt).toBe(T0 + 5_000);
  });

  it("reads as half-open once the cool-down is over, without changing the stored state", () => {
    const b = failTimes(closedBreaker(), 5, T0);
    expect(currentState(b, T0)).toBe("open");
    expect(currentState(b, T0 + 4_999)).toBe("open");
    expect(currentState(b, T0 + 5_000)).toBe("half_open");
    expect(currentState(b, T0 + 500_000)).toBe("half_open");
    expect(b.state).toBe("open");
  });

  it("keeps an open circuit's wait on further failures, unless a Retry-After asks for more", () => {
    const b = failTimes(closedBreaker(), 5, T0);
    const again = onFailure(b, T0 + 1_000, QUIET);
    expect(again.state).toBe("open");
    expect(again.retryAt).toBe(T0 + 5_000);
    expect(again.openedAt).toBe(T0);
    expect(again.consecutiveFailures).toBe(6);
    const told = onFailure(b, T0 + 1_000, QUIET, 20_000);
    expect(told.retryAt).toBe(T0 + 21_000);
    expect(told.coolDownMs).toBe(5_000);
  });

  it("doubles the cool-down on each failed trial, up to the maximum", () => {
    let b = failTimes(closedBreaker(), 5, T0);
    let now = T0;
    const coolDowns: number[] = [];
    for (let i = 0; i < 6; i++) {
      now = b.retryAt; // half-open: the trial fails
      expect(currentState(b, now)).toBe("half_open");
      b = onFailure(b, now, QUIET);
      expect(b.state).toBe("open");
      expect(b.openedAt).toBe(now);
      expect(b.retryAt).toBe(now + b.coolDownMs);
      coolDowns.push(b.coolDownMs);
    }
    expect(coolDowns).toEqual([10_000, 20_000, 40_000, 60_000, 60_000, 60_000]);
  });

  it("honours a longer Retry-After on a failed trial", () => {
    const b = failTimes(closedBreaker(), 5, T0);
    const after = onFailure(b, T0 + 5_000, QUIET, 120_000);
    expect(after.coolDownMs).toBe(10_000);
    expect(after.retryAt).toBe(T0 + 5_000 + 120_000);
  });

  it("closes on a success and starts the next cool-down afresh", () => {
    let b = failTimes(closedBreaker(), 5, T0);
    b = onFailure(b, b.retryAt, QUIET); // failed trial: 10 s
    b = onFailure(b, b.retryAt, QUIET); // 20 s
    expect(b.coolDownMs).toBe(20_000);
    const closed = onSuccess(b);
    expect(closed.state).toBe("closed");
    expect(closed.consecutiveFailures).toBe(0);
    expect(closed.coolDownMs).toBe(5_000);
    expect(currentState(closed, b.retryAt)).toBe("closed");
    const reopened = failTimes(closed, 5, T0 + 100_000);
    expect(reopened.retryAt).toBe(T0 + 100_000 + 5_000);
  });
});
