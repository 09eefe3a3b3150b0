import { describe, expect, it } from "vitest";
import { mulberry32 as prng } from "../../harness/random";
import { testCandidate, testModel } from "../../harness/origin-fixtures";
import type { Origin } from "../schemas/admin";
import type { Observation } from "../stats/observation";
import { OriginStats, type ModelSummary, type OriginSummary } from "../stats/origin-stats";
import type { RegionSnapshot } from "../stats/region-snapshot";
import type { Candidate } from "./candidates";
import { plan, type RoutePlan } from "./choose";
import type { Workload } from "./estimate";
import type { Constraints, Policy, RoutingPreferences } from "./policy";

const T0 = 1_700_000_000_000;

/** Candidates at 1 / 1 USD per 1M tokens unless a test says otherwise. */
const candidate = (id: string, distanceKm: number, extra: Partial<Origin> = {}): Candidate =>
  testCandidate(id, distanceKm, { price: { input_per_m: 1, output_per_m: 1 }, ...extra });

const model = (fields: Partial<ModelSummary>): ModelSummary => testModel({ samples: 10, ...fields });

/** A measured origin: `ttftMs` and `tpotMs` from 10 samples of its candidate's upstream model. */
const measured = (c: Candidate, ttftMs: number, tpotMs: number, fields: Partial<OriginSummary> = {}): [string, OriginSummary] => [
  c.origin.id,
  { circuit: "closed", retryAt: 0, errorRate: 0, ok: 10, err: 0, inFlight: 0, probe: null, models: { [c.upstreamModel]: model({ ttftMs, tpotMs }) }, ...fields },
];

const snapshot = (...origins: [string, OriginSummary][]): RegionSnapshot => ({ region: "weur", at: T0, origins: Object.fromEntries(origins) });

const prefs = (policy: Policy, constraints: Constraints = {}): RoutingPreferences => ({ policy, constraints, hedge: true });
const LATENCY = prefs({ kind: "latency" });
const work: Workload = { inputTokens: 100, outputTokens: 100, stream: true };
const none = () => 0;

/** plan() without exploration, so every test sees only the behaviour it is about. */
const route = (cands: Candidate[], snap: RegionSnapshot | null, p: RoutingPreferences, random: () => number = prng(1), local: (id: string) => number = none): RoutePlan =>
  plan(cands, snap, work, p, local, random, 0);

const ids = (r: RoutePlan) => r.ordered.map((s) => s.candidate.origin.id);

/** How often each origin is picked first over `n` plans sharing one seeded random. */
function firstPicks(n: number, run: (random: () => number) => RoutePlan, seed = 7): Record<string, number> {
  const random = prng(seed);
  const counts: Record<string, number> = {};
  for (let i = 0; i < n; i++) {
    const first = ids(run(random))[0]!;
    counts[first] = (counts[first] ?? 0) + 1;
  }
  return counts;
}

describe("plan", () => {
  it("excludes open circuits and constraint violators, with reasons", () => {
    const open = candidate("open", 0);
    const eeur = candidate("warsaw", 0, { region: "eeur" });
    const pricey = candidate("pricey", 0, { price: { input_per_m: 50, output_per_m: 50 } });
    const far = candidate("far", 19_800); // prior TTFT 150 + 300 = 450 ms
    const fine = candidate("fine", 0);
    const snap = snapshot([open.origin.id, { circuit: "open", retryAt: T0 + 5_000, errorRate: 1, ok: 0, err: 5, inFlight: 0, probe: null, models: {} }]);
    const r = route([open, eeur, pricey, far, fine], snap, prefs({ kind: "latency" }, { regions: ["weur"], maxPricePerM: 10, maxTtftMs: 300 }));
    expect(r.excluded).toEqual([
      { origin: "open", reason: "circuit open" },
      { origin: "warsaw", reason: "region eeur not allowed" },
      { origin: "pricey", reason: "price 50.000/M over 10" },
      { origin: "far", reason: "ttft 450ms over 300" },
    ]);
    expect(ids(r)).toEqual(["fine"]);
    expect(r.reason).toBe("expected 2150ms (ttft 150ms, prior); 1 eligible");
  });

  it("keeps origins that meet the constraints exactly", () => {
    const r = route([candidate("edge", 9_900, { price: { input_per_m: 10, output_per_m: 10 } })], null, prefs({ kind: "latency" }, { maxPricePerM: 10, maxTtftMs: 300 }));
    expect(r.excluded).toEqual([]);
    expect(ids(r)).toEqual(["edge"]);
  });

  it("says so when nothing is eligible", () => {
    const r = route([candidate("a", 0, { region: "apac" })], null, prefs({ kind: "latency" }, { regions: ["weur"] }));
    expect(r.ordered).toEqual([]);
    expect(r.reason).toBe("no eligible origin");
    expect(route([], null, LATENCY).reason).toBe("no eligible origin");
  });

  it("latency: goes by distance before stats, then prefers the measured-fastest origin even if farther", () => {
    const near = candidate("near", 100);
    const far = candidate("far", 6_000);
    expect(ids(route([far, near], null, LATENCY))).toEqual(["near", "far"]);

    // Feed real statistics: near is slow (600 ms TTFT, 30 ms/token), far is fast (150 ms, 10 ms/token).
    const feed = (ttftMs: number, tpotMs: number, c: Candidate) => {
      const stats = new OriginStats();
      for (let i = 0; i < 10; i++) {
        const at = T0 + i * 100;
        const obs: Observation = { origin: c.origin.id, model: c.upstreamModel, at, ok: true, ttftMs, totalMs: ttftMs + 99 * tpotMs, outputTokens: 100 };
        stats.observe(obs, at);
      }
      return stats.summary(T0 + 1_000);
    };
    const snap = snapshot(["near", feed(600, 30, near)], ["far", feed(150, 10, far)]);
    for (let seed = 1; seed <= 20; seed++) {
      const r = route([near, far], snap, LATENCY, prng(seed));
      expect(ids(r)).toEqual(["far", "near"]);
      expect(r.ordered[0]!.estimate.source).toBe("measured");
      expect(r.ordered[0]!.estimate.ttftMs).toBe(150);
      expect(r.reason).toMatch(/^expected \d+ms \(ttft 150ms, measured\); 2 eligible$/);
    }
  });

  it("cost: picks the cheapest, then the next cheapest", () => {
    const a = candidate("a", 0, { price: { input_per_m: 3, output_per_m: 6 } });
    const b = candidate("b", 9_000, { price: { input_per_m: 1, output_per_m: 2 } }); // cheapest, but far
    const c = candidate("c", 100, { price: { input_per_m: 2, output_per_m: 4 } });
    for (let seed = 1; seed <= 20; seed++) {
      const r = route([a, b, c], null, prefs({ kind: "cost" }), prng(seed));
      expect(ids(r)).toEqual(["b", "c", "a"]);
      expect(r.reason).toBe("price $1.500/M; 3 eligible");
    }
  });

  it("balanced: weighs latency against price by latency_weight", () => {
    const fast = candidate("fast", 0, { price: { input_per_m: 3, output_per_m: 3 } });
    const cheap = candidate("cheap", 0, { price: { input_per_m: 1, output_per_m: 1 } });
    // Latencies 1100 ms vs 2200 ms; prices 3x vs 1x.
    const snap = snapshot(measured(fast, 100, 10), measured(cheap, 200, 20));
    const quick = route([fast, cheap], snap, prefs({ kind: "balanced", latencyWeight: 0.9 }));
    expect(ids(quick)).toEqual(["fast", "cheap"]);
    // Each term relative to the worst candidate: latency / 2200 ms, price / 3x.
    expect(quick.ordered[0]!.score).toBeCloseTo(0.9 * 0.5 + 0.1 * 1, 9); // 0.55
    expect(quick.ordered[1]!.score).toBeCloseTo(0.9 * 1 + 0.1 * (1 / 3), 9); // 0.933
    const thrifty = route([fast, cheap], snap, prefs({ kind: "balanced", latencyWeight: 0.1 }));
    expect(ids(thrifty)).toEqual(["cheap", "fast"]);
    expect(thrifty.ordered[0]!.score).toBeCloseTo(0.1 * 1 + 0.9 * (1 / 3), 9); // 0.4
    expect(thrifty.ordered[1]!.score).toBeCloseTo(0.1 * 0.5 + 0.9 * 1, 9); // 0.95
  });

  it("balanced: a free origin competes on latency instead of winning outright", () => {
    const free = candidate("free", 0, { price: { input_per_m: 0, output_per_m: 0 } });
    const paid = candidate("paid", 0, { price: { input_per_m: 1, output_per_m: 1 } });
    const snap = snapshot(measured(free, 1000, 50), measured(paid, 100, 5));
    expect(ids(route([free, paid], snap, prefs({ kind: "balanced", latencyWeight: 0.9 })))).toEqual(["paid", "free"]);
    expect(ids(route([free, paid], snap, prefs({ kind: "balanced", latencyWeight: 0.1 })))).toEqual(["free", "paid"]);
  });

  it("pinned: keeps the given order, then the others fastest first, whatever the random draws", () => {
    const a = candidate("a", 0);
    const b = candidate("b", 1_000);
    const c = candidate("c", 2_000);
    const d = candidate("d", 500);
    for (let seed = 1; seed <= 20; seed++) {
      expect(ids(route([a, b, c, d], null, prefs({ kind: "pinned", order: ["c", "a"] }), prng(seed)))).toEqual(["c", "a", "d", "b"]);
      // Ties in latency do not reorder a pin either.
      expect(ids(route([a, candidate("a2", 0)], null, prefs({ kind: "pinned", order: ["a2", "a"] }), prng(seed)))).toEqual(["a2", "a"]);
    }
    const snap = snapshot(["c", { circuit: "open", retryAt: T0 + 5_000, errorRate: 1, ok: 0, err: 5, inFlight: 0, probe: null, models: {} }]);
    const r = route([a, b, c, d], snap, prefs({ kind: "pinned", order: ["c", "a"] }));
    expect(ids(r)).toEqual(["a", "d", "b"]);
    expect(r.excluded).toEqual([{ origin: "c", reason: "circuit open" }]);
  });

  describe("power of two choices", () => {
    const a = candidate("a", 0);
    const b = candidate("b", 0);
    const c = candidate("c", 0);

    it("splits the first pick between near-equal candidates", () => {
      // Expected latencies 1000 ms and 1002 ms: 2 ms apart, well within the 25 ms slack.
      const snap = snapshot(measured(a, 200, 8), measured(b, 202, 8));
      const picks = firstPicks(2_000, (random) => route([a, b], snap, LATENCY, random));
      expect(picks.a! + picks.b!).toBe(2_000);
      for (const id of ["a", "b"]) {
        expect(picks[id]!).toBeGreaterThanOrEqual(500);
        expect(picks[id]!).toBeLessThanOrEqual(1_500);
      }
    });

    it("spreads over every near-best candidate, not just two", () => {
      const snap = snapshot(measured(a, 200, 8), measured(b, 205, 8), measured(c, 210, 8));
      const picks = firstPicks(3_000, (random) => route([a, b, c], snap, LATENCY, random));
      for (const id of ["a", "b", "c"]) expect(picks[id]!).toBeGreaterThan(300);
      // Every plan still lists every candidate once.
      const r = route([a, b, c], snap, LATENCY, prng(3));
      expect([...ids(r)].sort()).toEqual(["a", "b", "c"]);
    });

    it("gives a candidate near the edge of the slack only a small share", () => {
      // 1000 ms vs 1020 ms: inside the 25 ms slack, but the jitter (as large as the slack) rarely covers 20 ms.
      const snap = snapshot(measured(a, 200, 8), measured(b, 220, 8));
      const picks = firstPicks(2_000, (random) => route([a, b], snap, LATENCY, random));
      expect(picks.b!).toBeGreaterThan(0);
      expect(picks.b!).toBeLessThan(200);
    });

    it("never lets a clearly worse candidate go first", () => {
      // 1000 ms vs 1200 ms: the gap is eight times the slack.
      const snap = snapshot(measured(a, 200, 8), measured(b, 400, 8));
      expect(firstPicks(2_000, (random) => route([b, a], snap, LATENCY, random))).toEqual({ a: 2_000 });
      // The same holds for cost (1% slack): 10% cheaper always wins.
      const cheap = candidate("cheap", 0, { price: { input_per_m: 0.9, output_per_m: 0.9 } });
      expect(firstPicks(2_000, (random) => route([a, cheap], null, prefs({ kind: "cost" }), random))).toEqual({ cheap: 2_000 });
    });

    it("splits cost ties within the 1% slack", () => {
      const close = candidate("close", 0, { price: { input_per_m: 1.002, output_per_m: 1.002 } });
      const picks = firstPicks(2_000, (random) => route([a, close], null, prefs({ kind: "cost" }), random));
      expect(picks.a!).toBeGreaterThanOrEqual(300);
      expect(picks.close!).toBeGreaterThanOrEqual(300);
    });
  });

  it("counts this isolate's own requests in flight", () => {
    const a = candidate("a", 0);
    const b = candidate("b", 0);
    const busyA = (id: string) => (id === "a" ? 32 : 0);
    const picks = firstPicks(500, (random) => route([a, b], null, LATENCY, random, busyA));
    expect(picks).toEqual({ b: 500 });
    const r = route([a, b], null, LATENCY, prng(1), busyA);
    expect(r.ordered[1]!.estimate.latencyMs).toBeCloseTo(2 * r.ordered[0]!.estimate.latencyMs, 9);
  });

  it("penalises a half-open circuit: trial traffic only when it is clearly the best", () => {
    const a = candidate("a", 0);
    const b = candidate("b", 0);
    // a half-open at 500 ms scores 1500 against b's 1000: b goes first, a stays as a fallback.
    const slowish = snapshot(measured(a, 500, 0, { circuit: "half_open" }), measured(b, 1_000, 0));
    const r = route([a, b], slowish, LATENCY);
    expect(ids(r)).toEqual(["b", "a"]);
    expect(r.ordered[1]!.estimate.circuit).toBe("half_open");
    expect(r.ordered[1]!.score).toBe(1_500);
    expect(r.excluded).toEqual([]);
    // At 200 ms it scores 600 and is still the best.
    const fast = snapshot(measured(a, 200, 0, { circuit: "half_open" }), measured(b, 1_000, 0));
    expect(ids(route([a, b], fast, LATENCY))).toEqual(["a", "b"]);
    // Without the penalty a (500 ms) would have won: it is the penalty that moved it.
    const closed = snapshot(measured(a, 500, 0), measured(b, 1_000, 0));
    expect(ids(route([a, b], closed, LATENCY))).toEqual(["a", "b"]);
  });

  describe("exploration", () => {
    const best = candidate("best", 0);
    const fresh = candidate("fresh", 6_600); // unmeasured and 100 ms farther
    const snap = snapshot(measured(best, 200, 8));

    it("now and then sends an unmeasured origin first, at the given rate", () => {
      expect(ids(route([best, fresh], snap, LATENCY))).toEqual(["best", "fresh"]);
      const r = plan([best, fresh], snap, work, LATENCY, none, prng(1), 1);
      expect(ids(r)).toEqual(["fresh", "best"]);
      expect(r.reason).toBe("exploring an unmeasured origin; 2 eligible");
      const random = prng(9);
      let explored = 0;
      for (let i = 0; i < 2_000; i++) if (ids(plan([best, fresh], snap, work, LATENCY, none, random, 0.25))[0] === "fresh") explored++;
      expect(explored).toBeGreaterThan(400);
      expect(explored).toBeLessThan(600);
    });

    it("never explores among measured origins, nor under a pin", () => {
      const other = candidate("other", 6_600);
      const both = snapshot(measured(best, 200, 8), measured(other, 400, 8));
      expect(ids(plan([best, other], both, work, LATENCY, none, prng(1), 1))).toEqual(["best", "other"]);
      expect(ids(plan([best, fresh], snap, work, prefs({ kind: "pinned", order: ["best"] }), none, prng(1), 1))).toEqual(["best", "fresh"]);
    });
  });
});
