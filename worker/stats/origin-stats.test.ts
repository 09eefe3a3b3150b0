import { describe, expect, it } from "vitest";
import { mulberry32 as prng } from "../../harness/random";
import type { Observation } from "./observation";
import { DEFAULT_BREAKER } from "../health/breaker";
import { OriginStats } from "./origin-stats";

const T0 = 1_700_000_000_000;

const obs = (at: number, fields: Partial<Observation> = {}): Observation => ({ origin: "gpu-a", model: "llama-8b", at, ok: true, ...fields });

function shuffled(n: number, seed: number): number[] {
  const random = prng(seed);
  const a = Array.from({ length: n }, (_, i) => i + 1);
  for (let i = a.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [a[i], a[j]] = [a[j]!, a[i]!];
  }
  return a;
}

const within = (value: number | null | undefined, expected: number, rel: number) => {
  expect(value).not.toBeNull();
  expect(Math.abs(value! - expected) / expected).toBeLessThanOrEqual(rel);
};

describe("OriginStats", () => {
  it("summarises nothing as a healthy, unknown origin", () => {
    const s = new OriginStats().summary(T0);
    expect(s).toEqual({ circuit: "closed", retryAt: 0, errorRate: 0, ok: 0, err: 0, inFlight: 0, probe: null, models: {} });
  });

  it("tracks TTFT as a peak-EWMA: slow answers count at once, recovery takes time", () => {
    const stats = new OriginStats();
    stats.observe(obs(T0, { ttftMs: 100 }), T0);
    stats.observe(obs(T0, { ttftMs: 100 }), T0 + 1_000);
    expect(stats.summary(T0 + 1_000).models["llama-8b"]!.ttftMs).toBe(100);
    stats.observe(obs(T0, { ttftMs: 400 }), T0 + 2_000);
    expect(stats.summary(T0 + 2_000).models["llama-8b"]!.ttftMs).toBe(400);
    stats.observe(obs(T0, { ttftMs: 100 }), T0 + 12_000); // one time constant later
    const expected = 400 * Math.exp(-1) + 100 * (1 - Math.exp(-1)); // 210.4
    expect(stats.summary(T0 + 12_000).models["llama-8b"]!.ttftMs).toBe(Math.round(expected * 10) / 10);
    expect(stats.summary(T0 + 12_000).models["llama-8b"]!.samples).toBe(4);
  });

  it("reads p50/p95/p99 of TTFT and total time from its sketches", () => {
    const stats = new OriginStats();
    let now = T0;
    for (const v of shuffled(1_000, 11)) {
      now += 1;
      stats.observe(obs(now, { ttftMs: v, totalMs: 10 * v }), now);
    }
    const m = stats.summary(now).models["llama-8b"]!;
    expect(m.samples).toBe(1_000);
    // Exact ranks over 1..1000: p50 = 500, p95 = 950, p99 = 990; the sketch is within 2%.
    within(m.ttftP50, 500, 0.021);
    within(m.ttftP95, 950, 0.021);
    within(m.ttftP99, 990, 0.021);
    within(m.totalP50, 5_000, 0.021);
    within(m.totalP95, 9_500, 0.021);
    within(m.totalP99, 9_900, 0.021);
  });

  it("has no percentiles or TPOT before it has samples of them", () => {
    const stats = new OriginStats();
    stats.observe(obs(T0, { ttftMs: 120 }), T0); // a cancelled stream: TTFT only
    const m = stats.summary(T0).models["llama-8b"]!;
    expect(m.ttftMs).toBe(120);
    within(m.ttftP50, 120, 0.02);
    expect(m.tpotMs).toBeNull();
    expect(m.totalP50).toBeNull();
    expect(m.totalP99).toBeNull();
  });

  it("derives TPOT from (total - ttft) / (tokens - 1)", () => {
    const stats = new OriginStats();
    stats.observe(obs(T0, { ttftMs: 200, totalMs: 1_200, outputTokens: 101 }), T0);
    expect(stats.summary(T0).models["llama-8b"]!.tpotMs).toBe(10);
    // 30 s later (TPOT's time constant), 20 ms/token: 10 e^-1 + 20 (1 - e^-1)
    stats.observe(obs(T0, { ttftMs: 200, totalMs: 2_200, outputTokens: 101 }), T0 + 30_000);
    const expected = 10 * Math.exp(-1) + 20 * (1 - Math.exp(-1));
    expect(stats.summary(T0 + 30_000).models["llama-8b"]!.tpotMs).toBe(Math.round(expected * 100) / 100);
  });

  it("takes no TPOT from single-token answers or answers without a TTFT", () => {
    const stats = new OriginStats();
    stats.observe(obs(T0, { ttftMs: 200, totalMs: 1_200, outputTokens: 1 }), T0);
    stats.observe(obs(T0, { totalMs: 1_200, outputTokens: 50 }), T0 + 1);
    expect(stats.summary(T0 + 1).models["llama-8b"]!.tpotMs).toBeNull();
    stats.observe(obs(T0, { ttftMs: 500, totalMs: 400, outputTokens: 20 }), T0 + 2); // clocks disagree
    expect(stats.summary(T0 + 2).models["llama-8b"]!.tpotMs).toBe(0);
  });

  it("keeps models apart", () => {
    const stats = new OriginStats();
    stats.observe(obs(T0, { model: "small", ttftMs: 50 }), T0);
    stats.observe(obs(T0, { model: "large", ttftMs: 900 }), T0);
    const s = stats.summary(T0);
    expect(Object.keys(s.models).sort()).toEqual(["large", "small"]);
    expect(s.models.small!.ttftMs).toBe(50);
    expect(s.models.large!.ttftMs).toBe(900);
  });

  it("reports the error rate over the window, and failures add no latency samples", () => {
    const stats = new OriginStats();
    for (let i = 0; i < 3; i++) stats.observe(obs(T0, { ttftMs: 100 }), T0 + i * 1_000);
    stats.observe(obs(T0, { ok: false, status: 500, ttftMs: 5 }), T0 + 3_000);
    const s = stats.summary(T0 + 3_000);
    expect(s.errorRate).toBe(0.25);
    expect([s.ok, s.err]).toEqual([3, 1]);
    expect(s.models["llama-8b"]!.samples).toBe(3);
    expect(s.models["llama-8b"]!.ttftMs).toBe(100);
    // Two minutes later the window is empty again.
    expect(stats.summary(T0 + 120_000).errorRate).toBe(0);
  });

  it("opens the circuit after consecutive failures and closes it on a success", () => {
    const stats = new OriginStats();
    stats.observe(obs(T0, { ttftMs: 100 }), T0);
    for (let i = 1; i <= 4; i++) stats.observe(obs(T0, { ok: false }), T0 + i);
    expect(stats.summary(T0 + 4).circuit).toBe("closed");
    stats.observe(obs(T0, { ok: false }), T0 + 5);
    const open = stats.summary(T0 + 5);
    expect(open.circuit).toBe("open");
    expect(open.retryAt).toBe(T0 + 5 + 5_000);
    expect(stats.summary(T0 + 5_004).circuit).toBe("open");
    expect(stats.summary(T0 + 5_005).circuit).toBe("half_open");
    stats.observe(obs(T0, { ttftMs: 100 }), T0 + 6_000);
    expect(stats.summary(T0 + 6_000).circuit).toBe("closed");
  });

  it("waits its configured cool-down, and keeps it across a reload", () => {
    const config = { ...DEFAULT_BREAKER, coolDownMs: 1_000 };
    const stats = new OriginStats(config);
    for (let i = 1; i <= 5; i++) stats.observe(obs(T0, { ok: false }), T0 + i);
    expect(stats.summary(T0 + 5).retryAt).toBe(T0 + 1_005);
    const reloaded = OriginStats.from(JSON.parse(JSON.stringify(stats)), config);
    expect(reloaded.summary(T0 + 1_005).circuit).toBe("half_open");
    reloaded.observe(obs(T0, { ok: false }), T0 + 1_010); // a failed trial doubles the wait
    expect(reloaded.summary(T0 + 1_010).retryAt).toBe(T0 + 3_010);
    reloaded.observe(obs(T0, { ttftMs: 50 }), T0 + 3_010);
    reloaded.observe(obs(T0, { ok: false }), T0 + 3_011);
    for (let i = 2; i <= 5; i++) reloaded.observe(obs(T0, { ok: false }), T0 + 3_010 + i);
    expect(reloaded.summary(T0 + 3_015).retryAt).toBe(T0 + 4_015); // a success reset it to the configured wait
  });

  it("opens the circuit for a Retry-After", () => {
    const stats = new OriginStats();
    stats.observe(obs(T0, { ok: false, status: 429, retryAfterMs: 20_000 }), T0);
    expect(stats.summary(T0 + 19_999).circuit).toBe("open");
    expect(stats.summary(T0 + 20_000).circuit).toBe("half_open");
  });

  it("takes an abandoned attempt as a lower bound of TTFT that touches neither health nor sketches", () => {
    const stats = new OriginStats();
    stats.observe(obs(T0, { ttftMs: 100 }), T0);
    for (let i = 1; i <= 4; i++) stats.observe(obs(T0, { ok: false }), T0 + i);
    stats.observe(obs(T0, { ok: true, censored: true, ttftMs: 40 }), T0 + 5);
    expect(stats.summary(T0 + 5).models["llama-8b"]!.ttftMs).toBe(100); // a lower bound below the estimate says nothing
    stats.observe(obs(T0, { ok: true, censored: true, ttftMs: 900 }), T0 + 6);
    const s = stats.summary(T0 + 6);
    expect(s.models["llama-8b"]!.ttftMs).toBe(900);
    expect(s.models["llama-8b"]!.samples).toBe(1);
    expect([s.ok, s.err]).toEqual([1, 4]);
    stats.observe(obs(T0, { ok: false }), T0 + 7); // the fifth failure in a row still opens the circuit
    expect(stats.summary(T0 + 7).circuit).toBe("open");
  });

  it("does not let a late success close an open circuit before its wait is over", () => {
    const stats = new OriginStats();
    stats.observe(obs(T0, { ok: false, status: 429, retryAfterMs: 20_000 }), T0);
    // A stream that started before the 429 finishes inside the Retry-After.
    stats.observe(obs(T0 - 500, { ttftMs: 80, totalMs: 900, outputTokens: 10 }), T0 + 1_000);
    expect(stats.summary(T0 + 1_000).circuit).toBe("open");
    stats.observe(obs(T0 + 20_000, { ttftMs: 80 }), T0 + 20_100);
    expect(stats.summary(T0 + 20_100).circuit).toBe("closed");
  });

  it("estimates requests in flight by Little's law: positive under steady arrivals, decaying when idle", () => {
    const stats = new OriginStats();
    let now = T0;
    // 10 requests/s, each 500 ms long: about 5 in flight.
    for (let i = 0; i < 600; i++) {
      now = T0 + i * 100;
      stats.observe(obs(now, { ttftMs: 100, totalMs: 500, outputTokens: 41 }), now);
    }
    const busy = stats.summary(now).inFlight;
    expect(busy).toBeGreaterThan(4.5);
    expect(busy).toBeLessThan(5.5);
    const later10 = stats.summary(now + 10_000).inFlight;
    const later30 = stats.summary(now + 30_000).inFlight;
    expect(later10).toBeCloseTo(busy * Math.exp(-1), 6);
    expect(later30).toBeCloseTo(busy * Math.exp(-3), 6);
    expect(later30).toBeGreaterThan(0);
    expect(later30).toBeLessThan(0.3);

    // Twice the arrival rate, twice the load.
    const faster = new OriginStats();
    for (let i = 0; i < 1_200; i++) {
      now = T0 + i * 50;
      faster.observe(obs(now, { ttftMs: 100, totalMs: 500, outputTokens: 41 }), now);
    }
    const fasterInFlight = faster.summary(now).inFlight;
    expect(fasterInFlight).toBeGreaterThan(9);
    expect(fasterInFlight).toBeLessThan(11);
  });

  it("takes the in-flight estimate's latency over the traffic mix, not from the slowest model", () => {
    // 10 requests/s: 99% to a 1 s model, 1% to a 20 s one. Little's law: 10 x (0.99 x 1 + 0.01 x 20) = 11.9.
    const stats = new OriginStats();
    let now = T0;
    for (let i = 0; i < 1_200; i++) {
      now = T0 + i * 100;
      const large = i % 100 === 0;
      stats.observe(obs(now, { model: large ? "large" : "small", ttftMs: 100, totalMs: large ? 20_000 : 1_000, outputTokens: 50 }), now);
    }
    const mixed = stats.summary(now).inFlight;
    expect(mixed).toBeGreaterThan(10.5);
    expect(mixed).toBeLessThan(13.5);

    // A model last used an hour ago hardly weighs on today's traffic.
    const stale = new OriginStats();
    for (let i = 0; i < 10; i++) stale.observe(obs(T0, { model: "large", ttftMs: 100, totalMs: 20_000, outputTokens: 50 }), T0 + i * 100);
    const later = T0 + 3_600_000;
    for (let i = 0; i < 600; i++) {
      now = later + i * 100;
      stale.observe(obs(now, { model: "small", ttftMs: 100, totalMs: 500, outputTokens: 50 }), now);
    }
    expect(stale.summary(now).inFlight).toBeGreaterThan(4.5);
    expect(stale.summary(now).inFlight).toBeLessThan(5.5);
  });

  describe("probes", () => {
    const fail = (at: number) => ({ at, ok: false, ms: 2_000, status: 503 });
    const pass = (at: number) => ({ at, ok: true, ms: 12, status: 200 });

    it("open the circuit when they keep failing, and are reported", () => {
      const stats = new OriginStats();
      for (let i = 0; i < 4; i++) stats.probed(fail(T0 + i), T0 + i);
      expect(stats.summary(T0 + 4).circuit).toBe("closed");
      stats.probed(fail(T0 + 4), T0 + 4);
      const s = stats.summary(T0 + 4);
      expect(s.circuit).toBe("open");
      expect(s.probe).toEqual(fail(T0 + 4));
      // Probes move the circuit only, not latency or the error-rate window.
      expect(s.models).toEqual({});
      expect([s.ok, s.err]).toEqual([0, 0]);
    });

    it("a healthy probe closes a half-open circuit", () => {
      const stats = new OriginStats();
      for (let i = 0; i < 5; i++) stats.observe(obs(T0, { ok: false }), T0);
      stats.probed(pass(T0 + 5_000), T0 + 5_000);
      expect(stats.summary(T0 + 5_000).circuit).toBe("closed");
      expect(stats.summary(T0 + 5_000).probe).toEqual(pass(T0 + 5_000));
    });

    it("a healthy probe never closes a circuit still inside its Retry-After", () => {
      const stats = new OriginStats();
      stats.observe(obs(T0, { ok: false, status: 429, retryAfterMs: 30_000 }), T0);
      stats.probed(pass(T0 + 10_000), T0 + 10_000);
      const s = stats.summary(T0 + 10_000);
      expect(s.circuit).toBe("open");
      expect(s.retryAt).toBe(T0 + 30_000);
      stats.probed(pass(T0 + 30_000), T0 + 30_000);
      expect(stats.summary(T0 + 30_000).circuit).toBe("closed");
    });

    it("a healthy probe clears a closed circuit's run of failures", () => {
      const stats = new OriginStats();
      for (let i = 0; i < 4; i++) stats.observe(obs(T0, { ok: false }), T0 + i);
      stats.probed(pass(T0 + 10), T0 + 10);
      stats.observe(obs(T0, { ok: false }), T0 + 20);
      expect(stats.summary(T0 + 20).circuit).toBe("closed");
    });
  });

  it("round-trips through JSON with the same summary and the same future", () => {
    const stats = new OriginStats();
    const random = prng(5);
    let now = T0;
    for (let i = 0; i < 300; i++) {
      now += 50 + Math.floor(random() * 1_000);
      const model = i % 3 === 0 ? "large" : "small";
      const ttftMs = 50 + random() * 400;
      const ok = random() > 0.1;
      stats.observe(obs(now, { model, ok, ttftMs, totalMs: ttftMs + 2_000 * random(), outputTokens: 1 + Math.floor(random() * 200) }), now);
    }
    for (let i = 0; i < 3; i++) stats.observe(obs(now, { ok: false }), now + i);
    stats.probed({ at: now, ok: false, ms: 3_000 }, now + 3);
    now += 3;

    const restored = OriginStats.from(JSON.parse(JSON.stringify(stats)));
    // Stored sketch counts are rounded to 1/1000, which the in-flight weighting may feel in the 6th digit.
    const same = (t: number) => {
      const [a, b] = [restored.summary(t), stats.summary(t)];
      expect({ ...a, inFlight: 0 }).toEqual({ ...b, inFlight: 0 });
      expect(a.inFlight).toBeCloseTo(b.inFlight, 4);
    };
    for (const t of [now, now + 1_000, now + 7_000, now + 90_000]) same(t);
    const s = restored.summary(now);
    expect(Object.keys(s.models).sort()).toEqual(["large", "small"]);
    expect(s.models.small!.samples).toBeGreaterThan(100);
    expect(s.err).toBeGreaterThan(0);
    expect(s.inFlight).toBeGreaterThan(0);
    expect(s.probe).toEqual({ at: now - 3, ok: false, ms: 3_000 });

    // Both go on the same way: the breaker, window, EWMAs and sketches all came back.
    for (const target of [stats, restored]) {
      target.observe(obs(now, { ok: false }), now + 10); // fifth failure in a row: opens
      target.observe(obs(now, { model: "small", ttftMs: 700, totalMs: 900, outputTokens: 5 }), now + 400_000);
    }
    same(now + 20);
    same(now + 400_000);
    // (toJSON rounds decayed sketch counts to 1/1000, so the stored form may differ in the last digit.)
    expect(restored.toJSON().breaker).toEqual(stats.toJSON().breaker);
    expect(restored.toJSON().window).toEqual(stats.toJSON().window);
  });
});
