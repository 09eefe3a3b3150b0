import { describe, expect, it } from "vitest";
import { testCandidate, testModel } from "../../harness/origin-fixtures";
import type { ModelSummary, OriginSummary } from "../stats/origin-stats";
import { estimate, MIN_SAMPLES, priorTtftMs, rttMs, type Workload } from "./estimate";

const candidate = testCandidate;

const model = testModel;

const summary = (models: Record<string, ModelSummary>, fields: Partial<OriginSummary> = {}): OriginSummary => ({
  circuit: "closed",
  retryAt: 0,
  errorRate: 0,
  ok: 0,
  err: 0,
  inFlight: 0,
  probe: null,
  models,
  ...fields,
});

const stream: Workload = { inputTokens: 1_000, outputTokens: 100, stream: true };
const c = candidate("a", 660);

describe("estimate", () => {
  it("uses the distance prior without stats", () => {
    expect(priorTtftMs(0)).toBe(150);
    expect(priorTtftMs(6_600)).toBe(250);
    const e = estimate(c, undefined, stream, 0);
    expect(e.ttftMs).toBe(160); // 150 + 660 / 66
    expect(e.tpotMs).toBe(20);
    expect(e.latencyMs).toBe(160 + 100 * 20);
    expect(e.source).toBe("prior");
    expect(e.circuit).toBe("closed");
    expect(e.inFlight).toBe(0);
    expect(e.p95Ms).toBeNull();
    expect(estimate(candidate("far", 13_200), undefined, stream, 0).ttftMs).toBe(350);
  });

  it("blends measurements into the prior until MIN_SAMPLES, then trusts them alone", () => {
    expect(MIN_SAMPLES).toBe(5);
    const at = (samples: number) => estimate(c, summary({ "upstream-a": model({ samples, ttftMs: 560, tpotMs: 10 }) }), stream, 0);
    expect(at(0).ttftMs).toBe(160);
    expect(at(0).source).toBe("prior");
    expect(at(2).ttftMs).toBeCloseTo(0.4 * 560 + 0.6 * 160, 9); // 320
    expect(at(2).source).toBe("blend");
    expect(at(4).ttftMs).toBeCloseTo(0.8 * 560 + 0.2 * 160, 9); // 480
    expect(at(5).ttftMs).toBe(560);
    expect(at(5).source).toBe("measured");
    expect(at(500).ttftMs).toBe(560);
    // A measured time per token is used as soon as there is one.
    expect(at(2).tpotMs).toBe(10);
    expect(at(5).latencyMs).toBe(560 + 100 * 10);
  });

  it("reads the stats of the candidate's upstream model name", () => {
    const stats = summary({ other: model({ samples: 50, ttftMs: 900 }), "upstream-a": model({ samples: 50, ttftMs: 300 }) });
    expect(estimate(c, stats, stream, 0).ttftMs).toBe(300);
  });

  it("never borrows another model's numbers from the same origin", () => {
    const stats = summary({ "some-70b": model({ samples: 50, ttftMs: 900, tpotMs: 40 }) });
    const e = estimate(c, stats, stream, 0);
    expect(e.source).toBe("prior");
    expect(e.ttftMs).toBe(priorTtftMs(c.distanceKm));
  });

  it("inflates latency with requests in flight, the region's and this isolate's", () => {
    const stats = (inFlight: number) => summary({ "upstream-a": model({ samples: 10, ttftMs: 200, tpotMs: 10 }) }, { inFlight });
    const idle = estimate(c, stats(0), stream, 0);
    expect(idle.latencyMs).toBe(1_200);
    const busy = estimate(c, stats(20), stream, 12);
    expect(busy.inFlight).toBe(32);
    expect(busy.latencyMs).toBe(2_400); // x (1 + 32 / 32)
    expect(estimate(c, stats(8), stream, 0).latencyMs).toBe(1_500); // x 1.25
    expect(estimate(c, undefined, stream, 16).inFlight).toBe(16);
    expect(busy.ttftMs).toBe(idle.ttftMs); // the TTFT estimate itself is not inflated
  });

  it("inflates latency by the expected retries of the error rate, capped at 90%", () => {
    const stats = (errorRate: number) => summary({ "upstream-a": model({ samples: 10, ttftMs: 200, tpotMs: 10 }) }, { errorRate });
    expect(estimate(c, stats(0.5), stream, 0).latencyMs).toBeCloseTo(2_400, 9);
    expect(estimate(c, stats(0.2), stream, 0).latencyMs).toBeCloseTo(1_500, 9);
    expect(estimate(c, stats(0.95), stream, 0).latencyMs).toBeCloseTo(12_000, 6);
    expect(estimate(c, stats(1), stream, 0).latencyMs).toBeCloseTo(12_000, 6);
  });

  it("prices the request and per 1M tokens blended over input and output", () => {
    const priced = candidate("p", 0, { price: { input_per_m: 1, output_per_m: 2 } });
    const e = estimate(priced, undefined, { inputTokens: 1_000, outputTokens: 500, stream: false }, 0);
    expect(e.priceUsd).toBeCloseTo(0.002, 12); // (1000 x 1 + 500 x 2) / 1e6
    expect(e.pricePerM).toBeCloseTo(4 / 3, 9);
    const outputOnly = estimate(priced, undefined, { inputTokens: 0, outputTokens: 100, stream: false }, 0);
    expect(outputOnly.pricePerM).toBeCloseTo(2, 9);
    const nothing = estimate(priced, undefined, { inputTokens: 0, outputTokens: 0, stream: false }, 0);
    expect(nothing.priceUsd).toBe(0);
    expect(nothing.pricePerM).toBe(0);
  });

  it("gives a p95 only with enough samples: TTFT for streams, total otherwise", () => {
    const stats = (samples: number) => summary({ "upstream-a": model({ samples, ttftMs: 200, ttftP95: 450, totalP95: 3_000 }) });
    const batch: Workload = { ...stream, stream: false };
    expect(estimate(c, stats(MIN_SAMPLES - 1), stream, 0).p95Ms).toBeNull();
    expect(estimate(c, stats(MIN_SAMPLES - 1), batch, 0).p95Ms).toBeNull();
    expect(estimate(c, stats(MIN_SAMPLES), stream, 0).p95Ms).toBe(450);
    expect(estimate(c, stats(MIN_SAMPLES), batch, 0).p95Ms).toBe(3_000);
    const noTotals = summary({ "upstream-a": model({ samples: 10, ttftMs: 200, ttftP95: 450 }) });
    expect(estimate(c, noTotals, batch, 0).p95Ms).toBeNull();
  });

  it("passes the circuit state through", () => {
    expect(estimate(c, summary({}, { circuit: "half_open" }), stream, 0).circuit).toBe("half_open");
    expect(estimate(c, summary({}, { circuit: "open" }), stream, 0).circuit).toBe("open");
    expect(estimate(c, summary({}, { circuit: "open" }), stream, 0).source).toBe("prior");
  });

  it("bases an unmeasured origin's prior on its measured peers when given", () => {
    const e = estimate(c, undefined, stream, 0, { baseTtftMs: 80, tpotMs: 7 });
    expect(e.ttftMs).toBe(90); // 80 + 660 / 66
    expect(e.tpotMs).toBe(7);
    expect(e.samples).toBe(0);
  });
});

describe("estimate with the engine's own load", () => {
  const T = 1_700_000_000_000;
  const view = { engineLoad: true, at: T };
  const load = (fields: Partial<import("../stats/engine-load").EngineLoad> = {}) => ({ waiting: 0, running: 4, kvUsage: 0.3, prefixHitRate: null, at: T - 1_000, ...fields });
  // Measured 110 ms (peak-EWMA) with a 100 ms median from 660 km (10 ms round trip), 20 ms a token.
  const measuredModel = model({ samples: 10, ttftMs: 110, ttftP50: 100, tpotMs: 20 });
  const at = (fields: Partial<OriginSummary>) => summary({ "upstream-a": measuredModel }, fields);

  it("adds the engine's queue: waiting requests x the origin's own time, net of the round trip", () => {
    const idle = estimate(c, at({ load: load() }), stream, 0, undefined, view);
    // The median (100) stands for the origin's time; the peak-EWMA reacted to a queue this reading now counts.
    expect(idle.serviceMs).toBe(90);
    expect(idle.queueMs).toBe(0);
    expect(idle.ttftMs).toBe(100);
    const busy = estimate(c, at({ load: load({ waiting: 6 }) }), stream, 0, undefined, view);
    expect(busy.queueMs).toBe(6 * 90);
    expect(busy.ttftMs).toBe(100 + 540);
    expect(busy.firstTokenMs).toBe(640);
    expect(busy.latencyMs).toBe(640 + 100 * 20);
  });

  it("does not also inflate by in-flight requests when the engine's queue is known (no double count)", () => {
    const e = estimate(c, at({ load: load(), inFlight: 64 }), stream, 0, undefined, view);
    expect(e.latencyMs).toBe(100 + 100 * 20);
    expect(e.sharedLoad).toBe(4); // the engine's queue and batch, not the region's in-flight estimate
  });

  it("counts this isolate's own requests only where the engine is queueing", () => {
    expect(estimate(c, at({ load: load() }), stream, 3, undefined, view).queueMs).toBe(0);
    expect(estimate(c, at({ load: load({ waiting: 2 }) }), stream, 3, undefined, view).queueMs).toBe(5 * 90);
  });

  it("waits for running sequences to finish when the KV cache is full", () => {
    const e = estimate(c, at({ load: load({ kvUsage: 0.98, running: 15, waiting: 1 }) }), stream, 0, undefined, view);
    // max(1 x 90, (1 + 1) x 256 x 20 / 16) = 640
    expect(e.queueMs).toBe(640);
  });

  it("ignores a stale, future or insane reading and falls back to in-flight inflation", () => {
    const fallback = estimate(c, at({ inFlight: 32 }), stream, 0, undefined, view);
    expect(fallback.latencyMs).toBe((110 + 100 * 20) * 2);
    for (const bad of [load({ at: T - 60_000 }), load({ at: T + 60_000 }), load({ waiting: NaN }), load({ running: -1 }), load({ waiting: Infinity }), load({ at: NaN })]) {
      const e = estimate(c, at({ load: bad, inFlight: 32 }), stream, 0, undefined, view);
      expect(e.load).toBeNull();
      expect(e.latencyMs).toBe(fallback.latencyMs);
    }
    // A NaN KV use is no full cache.
    expect(estimate(c, at({ load: load({ kvUsage: NaN, waiting: 1 }) }), stream, 0, undefined, view).queueMs).toBe(90);
  });

  it("ignores the reading altogether for the latency-only router", () => {
    const e = estimate(c, at({ load: load({ waiting: 50 }) }), stream, 0, undefined, { engineLoad: false, at: T });
    expect(e.queueMs).toBe(0);
    expect(e.ttftMs).toBe(110);
  });

  it("lets a far fast origin win only when it is faster end to end, round trip and queue included", () => {
    const near = candidate("near", 660); // 10 ms away
    const far = candidate("far", 9_900); // 150 ms away
    const ttftAt = (cand: typeof c, service: number, waiting: number) =>
      estimate(cand, summary({ [cand.upstreamModel]: model({ samples: 10, ttftMs: service + rttMs(cand.distanceKm), ttftP50: service + rttMs(cand.distanceKm), tpotMs: 20 }) }, { load: load({ waiting }) }), stream, 0, undefined, view).firstTokenMs;
    // The far origin prefills in 40 ms, the near one in 100 ms: near wins while idle (110 < 190)...
    expect(ttftAt(near, 100, 0)).toBeLessThan(ttftAt(far, 40, 0));
    // ...and loses once two requests queue there (110 + 200 > 190).
    expect(ttftAt(near, 100, 2)).toBeGreaterThan(ttftAt(far, 40, 0));
  });

  it("reports the output speed under load", () => {
    expect(estimate(c, at({ load: load() }), stream, 0, undefined, view).tokensPerS).toBe(50);
    expect(estimate(c, at({ inFlight: 32 }), stream, 0).tokensPerS).toBe(25);
  });
});
