// A circuit breaker as a pure state machine over explicit time.
//   closed --(N consecutive failures, or error rate over the window)--> open
//   open --(cool-down elapsed, or Retry-After passed)--> half-open
//   half-open --(a trial succeeds)--> closed;  --(it fails)--> open, longer cool-down
//
// Circuits are shared by every tenant in a region, so a failure here must be
// something the origin did (worker/upstream/attempt.ts decides): never a limit
// a client or tenant tightened, a request-shaped 400/422/413, a size limit a
// request can reach, nor the router's own errors.

export type CircuitState = "closed" | "open" | "half_open";

export interface BreakerData {
  state: CircuitState;
  consecutiveFailures: number;
  openedAt: number;
  /** When an open circuit may let a trial through. */
  retryAt: number;
  /** Current cool-down; doubles on each failed trial, up to the maximum. */
  coolDownMs: number;
}

export interface BreakerConfig {
  consecutiveFailures: number;
  errorRate: number;
  /** The error rate only counts with at least this many outcomes in the window. */
  minSamples: number;
  coolDownMs: number;
  maxCoolDownMs: number;
}

export const DEFAULT_BREAKER: BreakerConfig = {
  consecutiveFailures: 5,
  errorRate: 0.5,
  minSamples: 10,
  coolDownMs: 5_000,
  maxCoolDownMs: 60_000,
};

export const closedBreaker = (config = DEFAULT_BREAKER): BreakerData => ({
  state: "closed",
  consecutiveFailures: 0,
  openedAt: 0,
  retryAt: 0,
  coolDownMs: config.coolDownMs,
});

/** The state as of `now`: an open circuit whose wait is over reads as half-open. */
export function currentState(b: BreakerData, now: number): CircuitState {
  return b.state === "open" && now >= b.retryAt ? "half_open" : b.state;
}

export function onSuccess(b: BreakerData, config = DEFAULT_BREAKER): BreakerData {
  return { ...b, state: "closed", consecutiveFailures: 0, coolDownMs: config.coolDownMs };
}

/**
 * A failure. `retryAfterMs` (from a 429/503 `Retry-After`) opens the circuit
 * for at least that long: the origin told us when to come back.
 */
export function onFailure(
  b: BreakerData,
  now: number,
  window: { ok: number; err: number },
  retryAfterMs = 0,
  config = DEFAULT_BREAKER,
): BreakerData {
  const failures = b.consecutiveFailures + 1;
  const state = currentState(b, now);
  if (state === "half_open") {
    const coolDownMs = Math.min(b.coolDownMs * 2, config.maxCoolDownMs);
    return open({ ...b, consecutiveFailures: failures, coolDownMs }, now, retryAfterMs);
  }
  if (state === "open") return retryAfterMs > 0 ? open({ ...b, consecutiveFailures: failures }, now, retryAfterMs) : { ...b, consecutiveFailures: failures };

  const total = window.ok + window.err;
  const tooManyInARow = failures >= config.consecutiveFailures;
  const tooHighARate = total >= config.minSamples && window.err / total >= config.errorRate;
  if (tooManyInARow || tooHighARate || retryAfterMs > 0) return open({ ...b, consecutiveFailures: failures }, now, retryAfterMs);
  return { ...b, consecutiveFailures: failures };
}

function open(b: BreakerData, now: number, retryAfterMs: number): BreakerData {
  return { ...b, state: "open", openedAt: now, retryAt: now + Math.max(b.coolDownMs, retryAfterMs) };
}
