import { describe, expect, it } from "vitest";
import { prefillMs } from "../fleet/timing";
import type { Observation } from "../worker/stats/observation";
import { EventQueue } from "./event-queue";
import { forward, type ForwardEnv, type SimTarget } from "./forward";
import { SimOrigin } from "./origin";
import { ORIGINS } from "./world";

const ONE_WAY = 10;

function world(hedges = 0) {
  const clock = new EventQueue();
  const a = new SimOrigin(clock, ORIGINS[0]!, 0);
  const b = new SimOrigin(clock, ORIGINS[1]!, 1);
  const observed: Observation[] = [];
  let budget = hedges;
  const env: ForwardEnv = {
    clock,
    model: "llama-8b",
    ttftTimeoutMs: 1_000,
    attemptTimeoutMs: 5_000,
    maxAttempts: 3,
    oneWay: () => ONE_WAY,
    observe: (o) => observed.push(o),
    attemptStarted: () => {},
    attemptEnded: () => {},
    mayHedge: () => budget-- > 0,
  };
  const outcome = { first: Number.NaN, end: Number.NaN, origin: "", attempts: 0, hedged: false, failed: false, complete: false };
  const send = (targets: SimTarget[], promptTokens = 500, stream = true) =>
    forward(env, { promptTokens, outputTokens: 20, stream }, targets, {
      onFirstToken: (at, origin, attempts, hedged) => Object.assign(outcome, { first: at, origin: origin.id, attempts, hedged }),
      onEnd: (at, complete) => Object.assign(outcome, { complete, end: at }),
      onFail: (_at, attempts) => Object.assign(outcome, { failed: true, attempts }),
    });
  return { clock, a, b, observed, outcome, send };
}

describe("forward (simulated)", () => {
  it("a healthy origin: TTFT is the round trip plus prefill", () => {
    const w = world();
    w.send([{ origin: w.a, hedgeAfterMs: null }]);
    w.clock.run();
    const speed = ORIGINS[0]!.speed;
    expect(w.outcome.first).toBeCloseTo(2 * ONE_WAY + prefillMs(ORIGINS[0]!.profile, 500, speed), 6);
    expect(w.outcome).toMatchObject({ origin: w.a.id, attempts: 1, complete: true });
    expect(w.observed).toHaveLength(1);
    expect(w.observed[0]).toMatchObject({ ok: true, outputTokens: 20 });
  });

  it("a black hole costs the whole TTFT timeout before the next origin", () => {
    const w = world();
    w.a.crash("blackhole", 0);
    w.send([{ origin: w.a, hedgeAfterMs: null }, { origin: w.b, hedgeAfterMs: null }]);
    w.clock.run();
    expect(w.outcome.origin).toBe(w.b.id);
    expect(w.outcome.first).toBeGreaterThan(1_000 + 2 * ONE_WAY);
    expect(w.outcome.attempts).toBe(2);
    expect(w.observed.map((o) => [o.origin, o.ok])).toEqual([[w.a.id, false], [w.b.id, true]]);
  });

  it("a refused connection fails over after one round trip", () => {
    const w = world();
    w.a.crash("refused", 0);
    w.send([{ origin: w.a, hedgeAfterMs: null }, { origin: w.b, hedgeAfterMs: null }]);
    w.clock.run();
    expect(w.outcome.origin).toBe(w.b.id);
    expect(w.outcome.first).toBeLessThan(4 * ONE_WAY + prefillMs(ORIGINS[1]!.profile, 500, ORIGINS[1]!.speed) + 1e-6);
  });

  it("every attempt failing is an error after maxAttempts", () => {
    const w = world();
    w.a.crash("blackhole", 0);
    w.send([{ origin: w.a, hedgeAfterMs: null }, { origin: w.a, hedgeAfterMs: null }, { origin: w.a, hedgeAfterMs: null }, { origin: w.b, hedgeAfterMs: null }]);
    w.clock.run();
    expect(w.outcome).toMatchObject({ failed: true, attempts: 3 });
    expect(w.clock.now).toBeGreaterThanOrEqual(3_000);
  });

  it("a hedge after the p95 races the slow origin; the loser is cancelled and reported as a lost race", () => {
    const w = world(1);
    w.a.crash("blackhole", 0);
    w.send([{ origin: w.a, hedgeAfterMs: 100 }, { origin: w.b, hedgeAfterMs: null }]);
    w.clock.run();
    expect(w.outcome).toMatchObject({ origin: w.b.id, hedged: true, attempts: 2 });
    expect(w.outcome.first).toBeLessThan(200 + 2 * ONE_WAY);
    // As sim/forward.ts reports it: the attempt that lost the race is ok with its elapsed time.
    const lost = w.observed.find((o) => o.origin === w.a.id)!;
    expect(lost.ok).toBe(true);
    expect(lost.totalMs).toBeUndefined();
  });

  it("no hedge without budget", () => {
    const w = world(0);
    w.a.crash("blackhole", 0);
    w.send([{ origin: w.a, hedgeAfterMs: 100 }, { origin: w.b, hedgeAfterMs: null }]);
    w.clock.run();
    expect(w.outcome).toMatchObject({ origin: w.b.id, hedged: false, attempts: 2 });
    expect(w.outcome.first).toBeGreaterThan(1_000);
  });

  it("a stream cut by a dying origin ends incomplete and is reported as a failure", () => {
    const w = world();
    w.send([{ origin: w.a, hedgeAfterMs: null }], 200);
    w.clock.run(80); // first token at ~30 ms, last of the 20 at ~160 ms
    w.a.crash("blackhole", w.clock.now);
    w.clock.run();
    expect(Number.isFinite(w.outcome.first)).toBe(true);
    expect(w.outcome.complete).toBe(false);
    expect(w.observed.at(-1)).toMatchObject({ origin: w.a.id, ok: false });
  });

  describe("non-streamed", () => {
    it("the answer arrives whole; TTFT is when the first token would have, the observation estimates it from the total", () => {
      const w = world();
      w.send([{ origin: w.a, hedgeAfterMs: null, tpotMs: 5 }], 500, false);
      w.clock.run();
      expect(w.outcome).toMatchObject({ origin: w.a.id, attempts: 1, complete: true });
      expect(w.outcome.first).toBeCloseTo(2 * ONE_WAY + prefillMs(ORIGINS[0]!.profile, 500, ORIGINS[0]!.speed), 6);
      expect(w.outcome.end).toBeGreaterThan(w.outcome.first);
      const obs = w.observed[0]!;
      expect(obs).toMatchObject({ origin: w.a.id, ok: true, outputTokens: 20 });
      expect(obs.totalMs).toBeCloseTo(w.outcome.end, 6);
      expect(obs.ttftMs).toBeCloseTo(obs.totalMs! - 19 * 5, 6);
    });

    it("its limit is the whole-attempt timeout, not the TTFT timeout", () => {
      const w = world();
      w.a.crash("blackhole", 0);
      w.send([{ origin: w.a, hedgeAfterMs: null }, { origin: w.b, hedgeAfterMs: null }], 500, false);
      w.clock.run();
      expect(w.outcome).toMatchObject({ origin: w.b.id, attempts: 2, complete: true });
      expect(w.outcome.end).toBeGreaterThan(5_000);
    });

    it("an origin dying mid-answer fails the attempt over: the client saw nothing yet", () => {
      const w = world();
      w.send([{ origin: w.a, hedgeAfterMs: null }, { origin: w.b, hedgeAfterMs: null }], 200, false);
      w.clock.run(80);
      w.a.crash("blackhole", w.clock.now);
      w.clock.run();
      expect(w.outcome).toMatchObject({ origin: w.b.id, attempts: 2, complete: true, failed: false });
      expect(w.observed.map((o) => [o.origin, o.ok])).toEqual([
        [w.a.id, false],
        [w.b.id, true],
      ]);
    });

    it("a hedge race is won by the first whole answer; the loser is a censored sample", () => {
      const w = world(1);
      w.a.crash("blackhole", 0);
      w.send([{ origin: w.a, hedgeAfterMs: 100 }, { origin: w.b, hedgeAfterMs: null }], 500, false);
      w.clock.run();
      expect(w.outcome).toMatchObject({ origin: w.b.id, hedged: true, complete: true });
      expect(w.observed.find((o) => o.origin === w.a.id)).toMatchObject({ ok: true, censored: true });
    });
  });
});
