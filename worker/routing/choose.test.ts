import { describe, expect, it } from "vitest";
import { mulberry32 as prng } from "../../harness/random";
import { testCandidate, testModel } from "../../harness/origin-fixtures";
import type { Origin } from "../schemas/admin";
import type { Observation } from "../stats/observation";
import { OriginStats, type ModelSummary, type OriginSummary } from "../stats/origin-stats";
import type { RegionSnapshot } from "../stats/region-snapshot";
import type { Candidate } from "./candidates";
import { plan, type RoutePlan } from "./choose";
import { rttMs, type Workload } from "./estimate";
import { distanceKm } from "./geo";
import { REGION_CENTRES } from "./regions";
import { LATENCY_ONLY_PREFERENCES, type Constraints, type Policy, type RoutingPreferences } from "./policy";

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
      expect(r.ordered[0]!.estimate.ttftMs).toBeCloseTo(150, 6);
      expect(r.reason).toMatch(/^expected \d+ms \(ttft 150ms, measured\); 2 eligible$/);
    }
  });

  it("cost: passes over a cheaper origin that would answer far later than the fastest (2x + 500 ms)", () => {
    const fast = candidate("fast", 0, { price: { input_per_m: 3, output_per_m: 6 } });
    const cheap = candidate("cheap", 0, { price: { input_per_m: 1, output_per_m: 2 } });
    // Measured: the fast one answers its first token in 100 ms, the cheap one (its queue) in 2 s.
    const slow = snapshot(measured(fast, 100, 10), measured(cheap, 2_000, 10));
    expect(ids(route([cheap, fast], slow, prefs({ kind: "cost" })))).toEqual(["fast", "cheap"]);
    // Within the bound (700 ms here) the cheaper one still wins.
    const fine = snapshot(measured(fast, 100, 10), measured(cheap, 650, 10));
    expect(ids(route([cheap, fast], fine, prefs({ kind: "cost" })))).toEqual(["cheap", "fast"]);
  });

  it("cost: goes by price, but its last allowed attempt to the fastest origin left", () => {
    const a = candidate("a", 0, { price: { input_per_m: 3, output_per_m: 6 } }); // dearest, nearest
    const b = candidate("b", 9_000, { price: { input_per_m: 1, output_per_m: 2 } }); // cheapest, but far
    const c = candidate("c", 6_000, { price: { input_per_m: 2, output_per_m: 4 } });
    const d = candidate("d", 4_000, { price: { input_per_m: 2.5, output_per_m: 5 } });
    const cost = (limit: number, seed: number) => ids(plan([d, a, b, c], null, work, prefs({ kind: "cost" }), none, prng(seed), 0, limit));
    for (let seed = 1; seed <= 20; seed++) {
      expect(cost(Infinity, seed)).toEqual(["b", "c", "d", "a"]);
      // Three attempts allowed: the third is the fastest of those after the two cheapest.
      expect(cost(3, seed)).toEqual(["b", "c", "a"]);
      expect(cost(2, seed)).toEqual(["b", "a"]);
      expect(cost(1, seed)).toEqual(["b"]);
    }
    expect(route([d, a, b, c], null, prefs({ kind: "cost" })).reason).toBe("price $1.500/M; 4 eligible");
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
    expect(r.ordered[1]!.score).toBeCloseTo(1_500, 6);
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

describe("objectives", () => {
  // London-ish PoP: a near origin with slower hardware, a far one with faster (the Tokyo case).
  const near = candidate("near", 660); // 10 ms away
  const far = candidate("far", 13_200); // 200 ms away
  const snap = snapshot(measured(near, 90, 25), measured(far, 260, 8));
  const streamed: Workload = { inputTokens: 100, outputTokens: 256, stream: true };
  const whole: Workload = { ...streamed, stream: false };
  const plan1 = (w: Workload, p: RoutingPreferences, s: RegionSnapshot | null = snap) => plan([near, far], s, w, p, none, prng(3), 0);

  it("auto: a streamed request goes for the first token, a non-streamed one for the last", () => {
    const auto = prefs({ kind: "auto" });
    const s = plan1(streamed, auto);
    expect(s.objective).toEqual({ kind: "ttft" });
    expect(ids(s)).toEqual(["near", "far"]); // 90 ms vs 260 ms to the first token
    expect(s.reason).toMatch(/^expected ttft 90ms \(measured\), 40 tok\/s; 2 eligible$/);
    const w = plan1(whole, auto);
    expect(w.objective).toEqual({ kind: "throughput" });
    expect(ids(w)).toEqual(["far", "near"]); // 260 + 256 x 8 = 2,308 ms vs 90 + 256 x 25 = 6,490 ms
  });

  it("latency keeps the original objective: the whole answer, whatever the request", () => {
    expect(ids(plan1(streamed, LATENCY))).toEqual(["far", "near"]);
    expect(plan1(streamed, LATENCY).objective).toEqual({ kind: "latency" });
  });

  it("ttft: an origin under the tokens/s floor goes after those that keep it", () => {
    const crawl = snapshot(measured(near, 90, 150), measured(far, 260, 8)); // near: 6.7 tok/s
    const r = plan1(streamed, prefs({ kind: "ttft" }), crawl);
    expect(ids(r)).toEqual(["far", "near"]);
    expect(r.ordered.map((s) => s.tier)).toEqual([0, 1]);
    // The floor is the request's to set, and 0 turns it off.
    expect(ids(plan1(streamed, { ...prefs({ kind: "ttft" }), minTokensPerS: 0 }, crawl))).toEqual(["near", "far"]);
    expect(ids(plan1(streamed, { ...prefs({ kind: "ttft" }), minTokensPerS: 50 }))).toEqual(["far", "near"]); // near: 40 tok/s
    // When nobody keeps it, the fastest to the first token still goes first, and the reason says so.
    const none = plan1(streamed, { ...prefs({ kind: "ttft" }), minTokensPerS: 1000 });
    expect(ids(none)).toEqual(["near", "far"]);
    expect(none.reason).toContain("none met the preferences");
  });

  it("throughput honours an explicit floor too, and ignores the ttft default", () => {
    const crawl = snapshot(measured(near, 90, 150), measured(far, 30_000, 140)); // far: 30 s to start
    expect(ids(plan1(whole, prefs({ kind: "throughput" }), crawl))).toEqual(["near", "far"]);
  });

  it("preferred TTFT cutoffs deprioritize origins expected over them, by percentile", () => {
    const tails = snapshot(measured(near, 90, 25, { models: { [near.upstreamModel]: model({ ttftMs: 90, tpotMs: 25, ttftP95: 900, ttftP99: 2_000 }) } }), measured(far, 260, 8));
    const p = (c: RoutingPreferences["preferredTtftMs"]) => ({ ...prefs({ kind: "ttft" }), preferredTtftMs: c });
    expect(ids(plan1(streamed, p({ p50: 100 }), tails))).toEqual(["near", "far"]);
    expect(ids(plan1(streamed, p({ p90: 500 }), tails))).toEqual(["far", "near"]); // near's p90 ~ 90 + 810 x 40/45
    expect(ids(plan1(streamed, p({ p99: 1_000 }), tails))).toEqual(["far", "near"]);
    expect(ids(plan1(streamed, p({ p99: 3_000 }), tails))).toEqual(["near", "far"]);
  });

  it("counts the engine's queue and the round trip: a far idle origin beats a near one with a long queue", () => {
    const load = (waiting: number) => ({ waiting, running: 8, kvUsage: 0.4, prefixHitRate: null, at: T0 });
    const queued = snapshot(measured(near, 90, 25, { load: load(4) }), measured(far, 260, 25, { load: load(0) }));
    const r = plan1(streamed, prefs({ kind: "ttft" }), queued);
    expect(ids(r)).toEqual(["far", "near"]); // near: 90 + 4 x 80 = 410 ms
    expect(r.ordered[1]!.estimate.queueMs).toBeCloseTo(320, 6);
    // The latency-only router sees none of it.
    expect(ids(plan([near, far], queued, streamed, { ...LATENCY_ONLY_PREFERENCES, policy: { kind: "ttft" } }, none, prng(3), 0))).toEqual(["near", "far"]);
  });
});

describe("prefix affinity", () => {
  const pool = ["a", "b", "c", "d", "e"].map((id) => candidate(id, 100));
  const calm = snapshot(...pool.map((c) => measured(c, 100, 20)));
  const keyed = (key: string, extra: Partial<Workload> = {}): Workload => ({ inputTokens: 2_000, outputTokens: 100, stream: true, prefixKey: key, prefixTokens: 1_500, ...extra });
  const byKey = (cands: Candidate[], snap: RegionSnapshot | null, w: Workload, p = prefs({ kind: "auto" }), random = prng(1)) => plan(cands, snap, w, p, none, random, 0);

  it("sends a key to one origin whatever the random draws, and spreads keys", () => {
    const firsts = new Set<string>();
    for (let seed = 1; seed <= 30; seed++) {
      const r = byKey(pool, calm, keyed("p-tenant-1"), undefined, prng(seed));
      firsts.add(ids(r)[0]!);
      expect(r.affinity).toBe("chosen");
      expect(r.reason).toMatch(/^affinity [a-e], choice 1 of 5; expected ttft 100ms/);
    }
    expect(firsts.size).toBe(1);
    const spread = new Set<string>();
    for (let k = 0; k < 60; k++) spread.add(ids(byKey(pool, calm, keyed(`p-${k}`)))[0]!);
    expect(spread.size).toBe(5);
  });

  it("keeps a key's origin when others come and go", () => {
    const home = ids(byKey(pool, calm, keyed("p-stable")))[0]!;
    const others = pool.filter((c) => c.origin.id !== home);
    expect(ids(byKey([...others.slice(1), pool.find((c) => c.origin.id === home)!], calm, keyed("p-stable")))[0]).toBe(home);
    expect(ids(byKey([...pool, candidate("f", 100)], calm, keyed("p-stable")))[0]).toBeOneOf([home, "f"]);
  });

  it("never picks a far, slow or unhealthy origin for affinity", () => {
    for (let k = 0; k < 40; k++) {
      const far = candidate("far", 13_200);
      const slow = candidate("slow", 100);
      const halfOpen = candidate("trial", 100);
      const near = candidate("near", 100);
      const snap = snapshot(measured(far, 300, 20), measured(slow, 900, 20), measured(halfOpen, 100, 20, { circuit: "half_open" }), measured(near, 100, 20));
      expect(ids(byKey([far, slow, halfOpen, near], snap, keyed(`p-${k}`)))[0]).toBe("near");
    }
  });

  it("widens near-best by what a prefix hit saves, at most half the best", () => {
    const a = candidate("a", 100);
    const b = candidate("b", 100);
    // b is 40 ms slower: outside the usual 25 ms, inside what a hit on a 1,900-token prefix saves (95% of ~100 ms, capped at 50).
    const snap = snapshot(measured(a, 100, 20), measured(b, 140, 20));
    const picks = new Set<string>();
    for (let k = 0; k < 40; k++) picks.add(ids(byKey([a, b], snap, keyed(`p-${k}`, { prefixTokens: 1_900 })))[0]!);
    expect(picks).toEqual(new Set(["a", "b"]));
    // With no prefix to save, b is too slow for affinity to pick it.
    const noPrefix = new Set<string>();
    for (let k = 0; k < 40; k++) noPrefix.add(ids(byKey([a, b], snap, keyed(`p-${k}`, { prefixTokens: 0 })))[0]!);
    expect(noPrefix).toEqual(new Set(["a"]));
  });

  it("spills a key off its origin when that origin's engine queue is over the bound, and says so", () => {
    const home = ids(byKey(pool, calm, keyed("p-hot")))[0]!;
    const load = (waiting: number, running: number) => ({ waiting, running, kvUsage: 0.5, prefixHitRate: null, at: T0 });
    // The home origin runs 30 sequences, the others 8 (no queue yet, so it is as fast and stays near-best).
    const hot = snapshot(...pool.map((c) => measured(c, 100, 20, { load: c.origin.id === home ? load(0, 30) : load(0, 8) })));
    const r = byKey(pool, hot, keyed("p-hot"));
    expect(r.affinity).toBe("spilled");
    expect(ids(r)[0]).not.toBe(home);
    expect(r.reason).toMatch(new RegExp(`^affinity spilled: ${home} load 30 > 15 \\(bound 1.25x mean\\), to [a-e], choice 2 of 5; `));
  });

  it("reads NaN and missing loads as unknown, never as a reason to spill", () => {
    const nan = snapshot(...pool.map((c) => measured(c, 100, 20, { inFlight: NaN, load: { waiting: NaN, running: NaN, kvUsage: NaN, prefixHitRate: NaN, at: NaN } })));
    const r = byKey(pool, nan, keyed("p-nan"));
    expect(r.affinity).toBe("chosen");
    expect(Number.isFinite(r.ordered[0]!.score)).toBe(true);
  });

  it("stays out of pinned plans, the latency-only router and requests without a key", () => {
    expect(byKey(pool, calm, keyed("p-x"), prefs({ kind: "pinned", order: ["c"] })).affinity).toBeNull();
    expect(byKey(pool, calm, keyed("p-x"), LATENCY_ONLY_PREFERENCES).affinity).toBeNull();
    expect(byKey(pool, calm, keyed("p-x", { prefixKey: null })).affinity).toBeNull();
  });
});

describe("the plan's order", () => {
  it("keeps ties in candidate order and sorts any number of candidates, by tier then score", () => {
    for (const n of [1, 5, 64, 128, 129, 300]) {
      const cands = Array.from({ length: n }, (_, i) => candidate(`o${i}`, ((i * 37) % 11) * 660));
      const r = route(cands, null, prefs({ kind: "ttft" }), prng(2));
      const scores = r.ordered.map((s) => s.score);
      expect(r.ordered).toHaveLength(n);
      for (let k = 1; k < n; k++) expect(scores[k]!).toBeGreaterThanOrEqual(scores[k - 1]!);
      // Equal scores (same distance) stay in the order the candidates came in, after the near-best split.
      const rest = r.ordered.slice(4).map((s) => Number(s.candidate.origin.id.slice(1)));
      for (let k = 1; k < rest.length; k++) if (r.ordered[k + 4]!.score === r.ordered[k + 3]!.score) expect(rest[k]!).toBeGreaterThan(rest[k - 1]!);
    }
  });

  it("builds only the first `limit` targets, and counts every eligible origin", () => {
    const cands = Array.from({ length: 20 }, (_, i) => candidate(`o${i}`, i * 100));
    const r = plan(cands, null, work, LATENCY, none, prng(1), 0, 3);
    expect(ids(r)).toHaveLength(3);
    expect(r.reason).toMatch(/; 20 eligible$/);
    const all = plan(cands, null, work, LATENCY, none, prng(1), 0);
    expect(ids(all).slice(0, 3)).toEqual(ids(r));
  });

  it("hands out estimates the next plan does not overwrite", () => {
    const a = candidate("a", 0);
    const first = route([a], snapshot(measured(a, 100, 20)), LATENCY);
    const kept = first.ordered[0]!.estimate.ttftMs;
    route([a], snapshot(measured(a, 900, 20)), LATENCY);
    expect(first.ordered[0]!.estimate.ttftMs).toBe(kept);
  });

  it("sorts a NaN or infinite score last instead of corrupting the order", () => {
    const odd = candidate("odd", 0, { price: { input_per_m: Infinity, output_per_m: 1 } });
    const fine = candidate("fine", 0);
    expect(ids(route([odd, fine], null, prefs({ kind: "cost" })))).toEqual(["fine", "odd"]);
  });
});

describe("plan: the region's measurements and this PoP's trip", () => {
  // apac's statistics are measured by all its PoPs; its centre is Singapore. A Tokyo PoP sees a
  // Tokyo origin whose measured TTFT holds the region's trips to Tokyo (~80 ms from Singapore).
  const tokyoPop = { lat: 35.68, lon: 139.69 };
  const place = (id: string, at: { lat: number; lon: number }): Candidate => candidate(id, distanceKm(tokyoPop, at), { region: "apac", ...at });
  const tokyo = place("tokyo", { lat: 35.68, lon: 139.77 });
  const singapore = place("singapore", { lat: 1.35, lon: 103.8 });
  const service = 40;
  const apac = (): RegionSnapshot => ({
    region: "apac",
    at: T0,
    origins: Object.fromEntries([
      measured(tokyo, service + rttMs(distanceKm(REGION_CENTRES.apac, tokyo.origin)), 10),
      measured(singapore, service + rttMs(distanceKm(REGION_CENTRES.apac, singapore.origin)), 10),
    ]),
  });

  it("takes the region's trip out of a measured TTFT and puts this PoP's in", () => {
    const r = route([singapore, tokyo], apac(), prefs({ kind: "ttft" }));
    expect(ids(r)[0]).toBe("tokyo");
    const byId = Object.fromEntries(r.ordered.map((s) => [s.candidate.origin.id, s.estimate.ttftMs]));
    expect(byId.tokyo).toBeCloseTo(service + tokyo.distanceKm / 66, 0);
    expect(byId.singapore).toBeCloseTo(service + singapore.distanceKm / 66, 0);
  });

  it("leaves the latency-only router (today's) as it was: this PoP's trip taken for the region's", () => {
    const r = route([singapore, tokyo], apac(), LATENCY_ONLY_PREFERENCES);
    expect(ids(r)[0]).toBe("singapore");
  });
});
