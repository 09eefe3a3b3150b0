// Cost of one routing decision, in this Node process (no workerd): the
// worker's own pure modules called as an isolate calls them per request —
// `rankCandidates` (worker/routing/candidates.ts) from the PoP's location, then
// `plan` (worker/routing/choose.ts) on the region's snapshot — against the
// routing-v0 decision (`rankCandidates` by distance alone) in the same run.
// The snapshot is what the RegionStats Durable Object hands out: one real
// `OriginStats` per origin (worker/stats/origin-stats.ts) fed with a minute of
// observations, then `summary()`. The Durable Object's side is timed too:
// `summary()` for one origin and a whole snapshot.
//
// Timing (bench/lib/micro.ts): calls run in batches of 100 timed with
// process.hrtime.bigint; a sample is one batch's time divided by 100, so the
// p99 is over batch means (one slow call inside a batch is diluted, a GC pause
// is not). Cases alternate in rounds so machine noise and GC hit them alike.
//
// Runs as part of `npm run bench` (BENCH_SUITES=routing alone), or
// `npx tsx bench/suites/routing.ts`. BENCH_ROUTING_ITERATIONS (default 200000):
// measured calls per case at most; BENCH_ROUTING_SECONDS (default 2.5): at most
// this long per case (the slowest cases get fewer calls).

import { resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { rankCandidates } from "../../worker/routing/candidates";
import { DEFAULT_EXPLORE_RATE, plan } from "../../worker/routing/choose";
import { distanceKm } from "../../worker/routing/geo";
import type { Workload } from "../../worker/routing/estimate";
import { DEFAULT_PREFERENCES, type RoutingPreferences } from "../../worker/routing/policy";
import { SETTING_DEFAULTS } from "../../worker/settings";
import { REGION_CENTRES, type GeoPoint } from "../../worker/routing/regions";
import type { Region } from "../../worker/vocabulary/regions";
import type { Origin } from "../../worker/schemas/admin";
import { inFlight } from "../../worker/isolate/in-flight";
import { OriginStats } from "../../worker/stats/origin-stats";
import type { RegionSnapshot } from "../../worker/stats/region-snapshot";
import { readConfig } from "../lib/config";
import { allocatedBytes, runBatches, sinkValue, warmUp } from "../lib/micro";
import { fmt, summarize, table, type Column } from "../lib/stats";
import type { Suite, SuiteContext } from "../lib/suite";
import { mulberry32 as prng } from "../../harness/random";

const MODEL = "llama-8b";
/** Decisions per timed batch. */
const BATCH = 100;
const ROUNDS = 4;

// Where origins might run: cloud regions and colocation cities (real
// coordinates). The 8-origin fleet is a spread-out subset of these 64.
type Row = [id: string, lat: number, lon: number, region: Region];
const CITIES: readonly Row[] = [
  ["ashburn", 39.04, -77.49, "enam"],
  ["new-york", 40.71, -74.01, "enam"],
  ["chicago", 41.88, -87.63, "enam"],
  ["atlanta", 33.75, -84.39, "enam"],
  ["dallas", 32.78, -96.8, "enam"],
  ["toronto", 43.65, -79.38, "enam"],
  ["montreal", 45.5, -73.57, "enam"],
  ["miami", 25.76, -80.19, "enam"],
  ["columbus", 39.96, -83.0, "enam"],
  ["mexico-city", 19.43, -99.13, "enam"],
  ["oregon", 45.6, -121.18, "wnam"],
  ["san-jose", 37.34, -121.89, "wnam"],
  ["los-angeles", 34.05, -118.24, "wnam"],
  ["seattle", 47.61, -122.33, "wnam"],
  ["phoenix", 33.45, -112.07, "wnam"],
  ["salt-lake-city", 40.76, -111.89, "wnam"],
  ["denver", 39.74, -104.99, "wnam"],
  ["sao-paulo", -23.55, -46.63, "sam"],
  ["rio", -22.91, -43.17, "sam"],
  ["buenos-aires", -34.6, -58.38, "sam"],
  ["santiago", -33.45, -70.67, "sam"],
  ["bogota", 4.71, -74.07, "sam"],
  ["lima", -12.05, -77.04, "sam"],
  ["london", 51.51, -0.13, "weur"],
  ["dublin", 53.35, -6.26, "weur"],
  ["paris", 48.86, 2.35, "weur"],
  ["amsterdam", 52.37, 4.9, "weur"],
  ["frankfurt", 50.11, 8.68, "weur"],
  ["madrid", 40.42, -3.7, "weur"],
  ["milan", 45.46, 9.19, "weur"],
  ["zurich", 47.38, 8.54, "weur"],
  ["oslo", 59.91, 10.75, "weur"],
  ["stockholm", 59.33, 18.07, "eeur"],
  ["warsaw", 52.23, 21.01, "eeur"],
  ["vienna", 48.21, 16.37, "eeur"],
  ["bucharest", 44.43, 26.1, "eeur"],
  ["helsinki", 60.17, 24.94, "eeur"],
  ["istanbul", 41.01, 28.98, "me"],
  ["tel-aviv", 32.09, 34.78, "me"],
  ["riyadh", 24.71, 46.68, "me"],
  ["dubai", 25.2, 55.27, "me"],
  ["doha", 25.29, 51.53, "me"],
  ["bahrain", 26.07, 50.56, "me"],
  ["johannesburg", -26.2, 28.05, "afr"],
  ["cape-town", -33.92, 18.42, "afr"],
  ["lagos", 6.52, 3.38, "afr"],
  ["nairobi", -1.29, 36.82, "afr"],
  ["cairo", 30.04, 31.24, "afr"],
  ["mumbai", 19.08, 72.88, "apac"],
  ["delhi", 28.61, 77.21, "apac"],
  ["chennai", 13.08, 80.27, "apac"],
  ["hyderabad", 17.39, 78.49, "apac"],
  ["singapore", 1.35, 103.82, "apac"],
  ["jakarta", -6.21, 106.85, "apac"],
  ["hong-kong", 22.32, 114.17, "apac"],
  ["taipei", 25.03, 121.57, "apac"],
  ["seoul", 37.57, 126.98, "apac"],
  ["tokyo", 35.68, 139.69, "apac"],
  ["osaka", 34.69, 135.5, "apac"],
  ["manila", 14.6, 120.98, "apac"],
  ["sydney", -33.87, 151.21, "oc"],
  ["melbourne", -37.81, 144.96, "oc"],
  ["perth", -31.95, 115.86, "oc"],
  ["auckland", -36.85, 174.76, "oc"],
];
const EIGHT = ["ashburn", "oregon", "sao-paulo", "frankfurt", "warsaw", "mumbai", "tokyo", "sydney"];

/** The requests come from the London PoP; its region's statistics object is weur's. */
const POP: GeoPoint = { lat: 51.51, lon: -0.13 };
const REGION: Region = "weur";
/** A chat request of ~160 bytes asking for up to 256 tokens (worker/routing/workload.ts's workload()). */
const WORK: Workload = { inputTokens: 40, outputTokens: 256, stream: false };
/** A streamed chat with a 6 KB shared system prompt: the default objective (ttft), a prefix key, affinity. */
const KEYED: Workload = { inputTokens: 1_600, outputTokens: 256, stream: true, capped: false, prefixKey: "p1f2e3d4c", prefixTokens: 1_500 };
/** route.ts builds only the targets the retry loop can try. */
const LIMIT = SETTING_DEFAULTS.maxAttempts;
const LATENCY: RoutingPreferences = { policy: { kind: "latency" }, constraints: {}, hedge: true };
const COST: RoutingPreferences = { policy: { kind: "cost" }, constraints: {}, hedge: true };

function origins(ids: readonly string[] | null, rnd: () => number): Origin[] {
  return CITIES.filter(([id]) => ids === null || ids.includes(id)).map(([id, lat, lon, region]) => ({
    id,
    base_url: `https://${id}.gpu.example/v1`,
    region,
    lat,
    lon,
    // Two public models per origin, as a fleet usually has; the request asks for one.
    models: { [MODEL]: `meta-llama/Llama-3.1-8B-Instruct`, "qwen-7b": "Qwen/Qwen2.5-7B-Instruct" },
    price: { input_per_m: round(0.05 + rnd() * 0.3, 3), output_per_m: round(0.2 + rnd() * 1.0, 3) },
    auth: null,
    health_url: null,
    weight: 1,
    draining: false,
    updated_at: 0,
  }));
}

const round = (x: number, digits: number) => Math.round(x * 10 ** digits) / 10 ** digits;

/**
 * One OriginStats per origin as the region's Durable Object keeps it: a
 * minute of answers (TTFT = the origin's own prefill time + the round trip
 * from the region, jittered; 64-320 output tokens), 1% errors, one probe.
 */
function regionStats(fleet: readonly Origin[], now: number, rnd: () => number): Map<string, OriginStats> {
  const centre = REGION_CENTRES[REGION];
  const out = new Map<string, OriginStats>();
  for (const o of fleet) {
    const s = new OriginStats();
    const upstream = o.models[MODEL]!;
    const prefill = 60 + rnd() * 200;
    const tpot = 8 + rnd() * 25;
    const rtt = distanceKm(centre, o) / 66;
    const n = 200;
    for (let i = 0; i < n; i++) {
      const at = now - 60_000 + (i * 60_000) / n;
      if (rnd() < 0.01) {
        s.observe({ origin: o.id, model: upstream, at, ok: false, status: 503 }, at);
        continue;
      }
      const ttftMs = (prefill + rtt) * (0.8 + rnd() * 0.6);
      const outputTokens = 64 + Math.floor(rnd() * 256);
      const totalMs = ttftMs + (outputTokens - 1) * tpot * (0.9 + rnd() * 0.2);
      s.observe({ origin: o.id, model: upstream, at, ok: true, status: 200, ttftMs, totalMs, outputTokens }, at);
    }
    s.probed({ at: now - 5_000, ok: true, ms: rtt + 2, status: 200 }, now - 5_000);
    out.set(o.id, s);
  }
  return out;
}

/** What RegionStats.snapshot() builds (and isolates cache): summary() of every origin. */
function snapshotOf(stats: Map<string, OriginStats>, now: number): RegionSnapshot {
  const origins: RegionSnapshot["origins"] = {};
  for (const [id, s] of stats) origins[id] = s.summary(now);
  return { region: REGION, at: now, origins };
}

/** The same snapshot with each origin's engine load, as the metrics reader adds it (queues of 0-3, a third of the KV cache in use). */
function withLoad(snapshot: RegionSnapshot, now: number, rnd: () => number): RegionSnapshot {
  const origins: RegionSnapshot["origins"] = {};
  for (const [id, s] of Object.entries(snapshot.origins)) {
    origins[id] = { ...s, load: { waiting: Math.floor(rnd() * 4), running: 8 + Math.floor(rnd() * 24), kvUsage: 0.2 + rnd() * 0.3, prefixHitRate: rnd(), at: now - 500 } };
  }
  return { ...snapshot, origins };
}

interface Case {
  id: string;
  fleet: number;
  label: string;
  /** The v0 row of the same fleet size is the baseline. */
  baseline: boolean;
  /** One call; returns something derived from the result so the work is not optimised away. */
  call: () => number;
  /** Per-call µs, one per batch. */
  samples: number[];
}

async function run(ctx: SuiteContext): Promise<void> {
  const maxCalls = ctx.config.routingIterations;
  const maxSeconds = ctx.config.routingSeconds;
  const now = Date.now();
  const rnd = prng(42);
  const fleets = { 8: origins(EIGHT, rnd), 64: origins(null, rnd) } as const;
  const stats = { 8: regionStats(fleets[8], now, rnd), 64: regionStats(fleets[64], now, rnd) } as const;
  const snapshots = { 8: snapshotOf(stats[8], now), 64: snapshotOf(stats[64], now) } as const;
  const loaded = { 8: withLoad(snapshots[8], now, rnd), 64: withLoad(snapshots[64], now, rnd) } as const;

  const decisions: Case[] = [];
  for (const n of [8, 64] as const) {
    const fleet = fleets[n];
    const snapshot = snapshots[n];
    const add = (id: string, label: string, call: () => number, baseline = false) =>
      decisions.push({ id: `${id}-${n}`, fleet: n, label, baseline, call, samples: [] });
    add("v0", "v0: rankCandidates by distance", () => rankCandidates(fleet, MODEL, POP).length, true);
    const decide = (snap: RegionSnapshot | null, prefs: RoutingPreferences, work = WORK) => (): number => {
      const candidates = rankCandidates(fleet, MODEL, POP);
      const route = plan(candidates, snap, work, prefs, inFlight.get, Math.random, DEFAULT_EXPLORE_RATE, LIMIT);
      return route.ordered.length + route.reason.length;
    };
    add("latency", "rank + plan, latency", decide(snapshot, LATENCY));
    add("cost", "rank + plan, cost", decide(snapshot, COST));
    add("cold", "rank + plan, latency, cold (no snapshot)", decide(null, LATENCY));
    add("default", "rank + plan + affinity, default (ttft), engine load", decide(loaded[n], DEFAULT_PREFERENCES, KEYED));
  }
  // The Durable Object's side: one origin's summary, and whole snapshots.
  const one = stats[8].get("frankfurt")!;
  const objectSide: Case[] = [
    { id: "summary-1", fleet: 1, label: "OriginStats.summary(), one origin", baseline: false, call: () => one.summary(now).ok, samples: [] },
    ...([8, 64] as const).map((n) => ({
      id: `snapshot-${n}`,
      fleet: n,
      label: `snapshot: summary() of ${n} origins`,
      baseline: false,
      call: () => Object.keys(snapshotOf(stats[n], now).origins).length,
      samples: [],
    })),
  ];
  const all = [...decisions, ...objectSide];

  // Warm-up, and calls per case: up to maxCalls, within maxSeconds (the object side gets a third of that).
  ctx.progress("routing: warm-up...");
  const calls = new Map<Case, number>();
  for (const c of all) {
    if (ctx.signal.aborted) return;
    const us = warmUp(c.call, BATCH, 250);
    const budget = objectSide.includes(c) ? maxSeconds / 3 : maxSeconds;
    const n = Math.min(maxCalls, Math.floor((budget * 1e6) / us));
    calls.set(c, Math.max(1, Math.round(n / ROUNDS / BATCH)) * BATCH);
  }

  const t0 = performance.now();
  for (let r = 0; r < ROUNDS; r++) {
    ctx.progress(`routing: round ${r + 1}/${ROUNDS}`);
    const order = r % 2 === 0 ? all : [...all].reverse();
    for (const c of order) {
      if (ctx.signal.aborted) return;
      runBatches(c.call, calls.get(c)!, BATCH, c.samples);
    }
  }
  const seconds = (performance.now() - t0) / 1000;
  ctx.progress("routing: allocation hint...");
  const bytes = new Map(all.map((c) => [c, allocatedBytes(c.call, c.id.startsWith("snapshot") ? 100 : 400)]));

  console.log(
    `Per decision, in Node ${process.versions.node} (V8 ${process.versions.v8}; workerd runs a newer V8): rankCandidates(origins, "${MODEL}", London PoP), then`,
  );
  console.log(
    `plan(candidates, weur snapshot, ${WORK.inputTokens} in / ${WORK.outputTokens} out tokens, policy, inFlight.get, Math.random, explore ${DEFAULT_EXPLORE_RATE}, first ${LIMIT} built): what an isolate does per request.`,
  );
  console.log("Every origin serves the model; the snapshot has 200 observations of each from the last minute (cold: no snapshot yet, distance priors).");
  console.log(
    `default: a streamed ${KEYED.inputTokens}-token chat with a prefix key (rendezvous affinity, bounded load) under the default objective, on the same snapshot with every origin's engine load.`,
  );
  console.log(
    `Up to ${maxCalls} calls per case (fewer when they would take over ${maxSeconds} s) in ${ROUNDS} alternating rounds after a 0.25 s warm-up; a sample = one batch of ${BATCH} calls / ${BATCH}.`,
  );
  const columns: Column[] = [
    { title: "origins" },
    { title: "decision", align: "left" },
    { title: "calls" },
    { title: "p50 µs" },
    { title: "p99 µs" },
    { title: "mean µs" },
    { title: "p50 / v0 p50" },
    { title: "decisions/s (p50)" },
    { title: "~heap B/call" },
  ];
  const rows: string[][] = [];
  for (const n of [8, 64]) {
    const mine = decisions.filter((c) => c.fleet === n);
    const base = summarize(mine.find((c) => c.baseline)!.samples);
    for (const c of mine) {
      const s = summarize(c.samples);
      rows.push([
        c.baseline ? String(n) : "",
        c.label,
        String(c.samples.length * BATCH),
        fmt(s.p50, 2),
        fmt(s.p99, 2),
        fmt(s.mean, 2),
        c.baseline ? "1.00" : fmt(s.p50 / base.p50, 2),
        fmt(1e6 / s.p50, 0),
        fmt(bytes.get(c), 0),
      ]);
    }
  }
  console.log(table(columns, rows));
  console.log("");

  console.log("Durable Object side (RegionStats.snapshot() rebuilds at most every 250 ms): summary() of origins with 1 model and 200 observations each.");
  const objectColumns: Column[] = [
    { title: "call", align: "left" },
    { title: "calls" },
    { title: "p50 µs" },
    { title: "p99 µs" },
    { title: "mean µs" },
    { title: "~heap B/call" },
  ];
  console.log(
    table(
      objectColumns,
      objectSide.map((c) => {
        const s = summarize(c.samples);
        return [c.label, String(c.samples.length * BATCH), fmt(s.p50, 2), fmt(s.p99, 2), fmt(s.mean, 2), fmt(bytes.get(c), 0)];
      }),
    ),
  );
  console.log("~heap B/call: median growth of V8's used heap across one call, less that of an empty call: about what one call allocates.");
  console.log(`Measured in ${fmt(seconds, 1)} s${sinkValue() === 0 ? " (no work recorded?)" : ""}.`);
}

export const routing: Suite = { id: "routing", name: "routing decision", run };

// Standalone: `npx tsx bench/suites/routing.ts`.
if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const controller = new AbortController();
  process.once("SIGINT", () => controller.abort());
  console.log("== routing decision ==");
  await run({ config: readConfig(), signal: controller.signal, defer: () => undefined, progress: (m) => process.stderr.write(`  ${m}\n`) });
}
