// `npm run load`: a steady open-loop request rate through the router (one
// workerd, harness/router.ts) to healthy fleet origins, with the mix of
// bench/load/mix.ts (three tenants, streamed and not, cache hits and misses,
// `model: "auto"`). Reports latency, TTFT and cache hits per kind, and
// whether anything leaks. Exits 1 on any unexpected error or leak.
//
// The run: a warm-up at the same rate (LOAD_WARMUP_SECONDS, default 30: the
// caches fill, JIT and heap settle; workerd's resident memory climbs in steps
// for about the first minute of traffic, then stays flat), a drain, the
// baseline, the measured run (LOAD_SECONDS, default 60), a drain, the end.
// Leak checks, against the baseline:
// - region in-flight estimates drain to 0;
// - the router isolate's structures (GET /admin/v1/isolate/structures):
//   those holding work in progress (in-flight, coalescing, unflushed usage
//   and statistics) are empty, bounded caches stayed within their bound,
//   uncapped ones did not grow;
// - the isolate's memory after a full GC (through workerd's inspector: live
//   V8 heap plus ArrayBuffer contents) grew by at most
//   LOAD_MAX_HEAP_BYTES_PER_REQUEST (default 150) bytes per measured
//   request: keeping every request body (~200 bytes) fails it;
// - workerd's resident memory at rest after that GC grew by at most
//   LOAD_MAX_RSS_GROWTH (default 0.15) of the baseline (also at rest after a
//   GC). Under load RSS climbs in steps and carries garbage (V8 lets its heap
//   reach ~30 MiB between collections for ~4 MiB live), and a GC does not give
//   every step back (a healthy 60 s run ends 5-10% above its baseline), so
//   readings taken during the run are shown, not judged. Coarse: it sees
//   leaks outside the isolate (workerd, storage) of ~10 KB a request.
// LOAD_RPS (default 40), FLEET_SPEED (default 10).

import { performance } from "node:perf_hooks";
import { startOrigin, type RunningOrigin } from "../../fleet/server";
import type { ProfileName } from "../../fleet/gpu-profiles";
import { AdminClient } from "../../harness/admin-client";
import { sendChat, type ChatResult } from "../lib/chat-client";
import { heapAfterGc, inspectorTargets, InspectorSession, type HeapAfterGc } from "../lib/inspector";
import { PeakSizes, readStructures, structureProblems, structureRows, type Structure } from "../lib/isolate-structures";
import { keepAliveAgent } from "../lib/load";
import { pollStats } from "../lib/region-stats";
import { seedRouter, startRouter, type RunningRouter } from "../../harness/router";
import { rssMiB } from "../lib/rss";
import { fmt, summarize, table, type Column } from "../lib/stats";
import { KINDS, nth, TENANTS } from "./mix";

const ADMIN_TOKEN = "load-admin-token-0123456789abcdefgh";
const SECONDS = Number(process.env.LOAD_SECONDS ?? 60);
const WARMUP_SECONDS = Number(process.env.LOAD_WARMUP_SECONDS ?? 30);
const RPS = Number(process.env.LOAD_RPS ?? 40);
const SPEED = Number(process.env.FLEET_SPEED ?? 10);
const REGION = "enam";
const POP = "39.04,-77.49";
const PRICE = { input_per_m: 0.1, output_per_m: 0.2 };
/** Resident memory at rest after a GC growing by more than this share of the baseline counts as a leak. */
const MAX_RSS_GROWTH = Number(process.env.LOAD_MAX_RSS_GROWTH ?? 0.15);
/** Isolate memory growth (live heap plus buffers, after GC) beyond this many bytes per measured request counts as a leak. */
const MAX_HEAP_BYTES_PER_REQUEST = Number(process.env.LOAD_MAX_HEAP_BYTES_PER_REQUEST ?? 150);
/** V8 hands pages back a little after a GC; RSS at rest is read this long after it. */
const SETTLE_MS = 1_000;
const DRAIN_TIMEOUT_MS = 60_000;
/** How often the isolate's structures are read during the run, for their peaks. */
const STRUCTURES_EVERY_S = 5;

const FLEET: readonly { id: string; profile: ProfileName; lat: number; lon: number }[] = [
  { id: "gpu-ashburn", profile: "llama-8b", lat: 39.04, lon: -77.49 },
  { id: "gpu-chicago", profile: "llama-8b", lat: 41.88, lon: -87.63 },
  { id: "small-ashburn", profile: "llama-1.5b", lat: 39.04, lon: -77.49 },
  { id: "small-dallas", profile: "llama-1.5b", lat: 32.78, lon: -96.8 },
];

interface Sent {
  kind: string;
  result: ChatResult;
}

async function register(router: RunningRouter, origins: readonly RunningOrigin[]): Promise<void> {
  const admin = new AdminClient(router.url, ADMIN_TOKEN);
  // seedRouter registers the first origin and the demo tenant (cache and `auto` rules, limits, credits).
  const [first, ...rest] = FLEET.map((f, i) => ({ ...f, origin: origins[i]! }));
  await seedRouter(router, ADMIN_TOKEN, TENANTS.demo.key, {
    id: first!.id,
    baseUrl: first!.origin.baseUrl,
    region: REGION,
    lat: first!.lat,
    lon: first!.lon,
    models: [first!.profile],
    price: PRICE,
  });
  for (const f of rest) {
    await admin.call("PUT", `/origins/${f.id}`, { base_url: f.origin.baseUrl, region: REGION, lat: f.lat, lon: f.lon, models: { [f.profile]: f.profile }, price: PRICE });
  }
  for (const t of [TENANTS.acme, TENANTS.globex]) {
    await admin.call("PUT", `/tenants/${t.id}`, { name: t.id });
    await admin.call("POST", `/tenants/${t.id}/keys`, { name: "load", key: t.key });
  }
}

/**
 * Sends requests first .. first + seconds * RPS - 1 of the mix, request n at
 * start + (n - first)/RPS, whether or not earlier ones have finished.
 * `onTick` runs once a second.
 */
async function openLoop(routerUrl: string, first: number, seconds: number, onTick: (second: number) => void): Promise<{ sent: Sent[]; elapsedMs: number }> {
  const agent = keepAliveAgent(1024);
  const total = Math.round(seconds * RPS);
  const pending: Promise<Sent>[] = [];
  const start = performance.now();
  let tick = 1;
  for (let i = 0; i < total; i++) {
    const due = start + (i * 1000) / RPS;
    const wait = due - performance.now();
    if (wait > 0) await new Promise((r) => setTimeout(r, wait));
    if (performance.now() >= start + tick * 1000) onTick(tick++);
    const { kind, body } = nth(first + i);
    const headers = { authorization: `Bearer ${kind.tenant.key}`, "x-meridian-dev-location": POP };
    pending.push(sendChat({ routerUrl, headers, body, agent, retryStaleSocket: true }).then((result) => ({ kind: kind.id, result })));
  }
  const sent = await Promise.all(pending);
  const elapsedMs = performance.now() - start;
  agent.destroy();
  return { sent, elapsedMs };
}

const COLUMNS: Column[] = [
  { title: "kind", align: "left" },
  { title: "what", align: "left" },
  { title: "requests" },
  { title: "unexpected errors" },
  { title: "cache hits" },
  { title: "p50 ms" },
  { title: "p99 ms" },
  { title: "TTFT p50 ms" },
  { title: "TTFT p99 ms" },
];

function row(id: string, about: string, sent: readonly Sent[]): string[] {
  const results = sent.map((s) => s.result);
  const errors = results.filter((r) => r.outcome !== "ok").length;
  const hits = results.filter((r) => String(r.headers["x-meridian-cache"] ?? "").startsWith("hit")).length;
  const lat = summarize(results.map((r) => r.latencyMs));
  const ttft = summarize(results.filter((r) => r.stream && r.outcome === "ok").map((r) => r.ttftMs));
  return [id, about, String(results.length), String(errors), String(hits), fmt(lat.p50, 0), fmt(lat.p99, 0), fmt(ttft.p50, 0), fmt(ttft.p99, 0)];
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/**
 * Waits until the region's in-flight estimates are 0 and the isolate holds no
 * work in progress (usage and statistics flush a second or so after the last
 * request). Returns how long it took (NaN: not within the timeout) and the last read.
 */
async function drain(admin: AdminClient): Promise<{ waitedMs: number; inFlightDrained: boolean; inFlightLeft: number; structures: Structure[] }> {
  const start = Date.now();
  const region = await pollStats(admin, REGION, (rows) => rows.every((r) => r.in_flight < 0.5), DRAIN_TIMEOUT_MS, 1000);
  const inFlightDrained = !Number.isNaN(region.waitedMs);
  const inFlightLeft = region.rows.reduce((n, r) => n + r.in_flight, 0);
  for (;;) {
    const structures = await readStructures(admin);
    const idle = inFlightDrained && structures.every((s) => !s.drains || s.size === 0);
    if (idle || Date.now() - start >= DRAIN_TIMEOUT_MS) return { waitedMs: idle ? Date.now() - start : NaN, inFlightDrained, inFlightLeft, structures };
    await sleep(250);
  }
}

/** The router isolate's heap after a full GC (through workerd's inspector), and workerd's RSS just after. */
async function atRest(router: RunningRouter): Promise<{ heap: HeapAfterGc; rss: number }> {
  const target = (await inspectorTargets(router.inspectorUrl!)).find((t) => t.id.startsWith("core:user:"));
  if (!target) throw new Error("workerd's inspector lists no user worker");
  const session = await InspectorSession.connect(target.webSocketDebuggerUrl);
  try {
    const heap = await heapAfterGc(session);
    await sleep(SETTLE_MS);
    return { heap, rss: rssMiB(router.pid) };
  } finally {
    session.close();
  }
}

async function main(): Promise<number> {
  const origins = await Promise.all(FLEET.map((f) => startOrigin({ id: f.id, models: [f.profile], profile: f.profile, speed: SPEED })));
  const router = await startRouter({ adminToken: ADMIN_TOKEN, inspector: true });
  try {
    await register(router, origins);
    const admin = new AdminClient(router.url, ADMIN_TOKEN);
    console.log(`Load run: ${router.description}; ${RPS} requests/s for ${WARMUP_SECONDS} s of warm-up, then ${SECONDS} s measured; ${FLEET.length} healthy origins at fleet speed ${SPEED}\n`);

    const warmup = await openLoop(router.url, 0, WARMUP_SECONDS, () => {});
    const warmed = await drain(admin);
    const before = await atRest(router);
    const baseline = await readStructures(admin);

    const rss: number[] = [];
    const peak = new PeakSizes();
    const reads: Promise<void>[] = [];
    const { sent, elapsedMs } = await openLoop(router.url, warmup.sent.length, SECONDS, (second) => {
      rss.push(rssMiB(router.pid));
      if (second % STRUCTURES_EVERY_S === 0) reads.push(readStructures(admin).then((read) => peak.add(read)));
    });
    await Promise.all(reads);
    const rssEnd = rssMiB(router.pid);
    const drained = await drain(admin);
    const after = await atRest(router);

    const rows = KINDS.map((k) => row(k.id, k.about, sent.filter((s) => s.kind === k.id)));
    rows.push(row("all", `${fmt(sent.length / (elapsedMs / 1000), 1)} requests/s achieved`, sent));
    console.log(table(COLUMNS, rows));

    console.log(`\nRouter isolate structures (GET /admin/v1/isolate/structures): baseline after warm-up, peak during the run (read every ${STRUCTURES_EVERY_S} s), end after the drain`);
    console.log(
      table(
        [{ title: "structure", align: "left" }, { title: "baseline" }, { title: "peak" }, { title: "end" }, { title: "bound", align: "left" }],
        structureRows(baseline, drained.structures, peak.peak),
      ),
    );

    const rssGrowth = (after.rss - before.rss) / before.rss;
    const kept = (h: HeapAfterGc): number => h.usedMiB + h.buffersMiB;
    const heapGrowthBytes = (kept(after.heap) - kept(before.heap)) * 2 ** 20;
    const heapPerRequest = heapGrowthBytes / sent.length;
    const errors = [...warmup.sent, ...sent].filter((s) => s.result.outcome !== "ok");
    console.log("");
    console.log(
      table(
        [{ title: "resource", align: "left" }, { title: "value", align: "left" }],
        [
          ["router isolate after GC: V8 heap + buffers, baseline", `${fmt(before.heap.usedMiB, 2)} + ${fmt(before.heap.buffersMiB, 2)} MiB`],
          ["router isolate after GC: V8 heap + buffers, end", `${fmt(after.heap.usedMiB, 2)} + ${fmt(after.heap.buffersMiB, 2)} MiB (${fmt(heapPerRequest, 0)} bytes kept per request; limit ${MAX_HEAP_BYTES_PER_REQUEST})`],
          ["workerd RSS at rest after GC, baseline / end", `${fmt(before.rss, 1)} / ${fmt(after.rss, 1)} MiB (${fmt(rssGrowth * 100, 1)}%; limit ${fmt(MAX_RSS_GROWTH * 100, 0)}%)`],
          ["workerd RSS under load, every 10 s / at the end", `${rss.filter((_, i) => i % 10 === 9).map((x) => fmt(x, 0)).join(" ")} / ${fmt(rssEnd, 1)} MiB (not judged: garbage between GCs)`],
          ["resent after a keep-alive socket closed", String(sent.filter((s) => s.result.retried).length)],
          ["drained after warm-up / after the run", `${fmt(warmed.waitedMs / 1000, 1)} s / ${fmt(drained.waitedMs / 1000, 1)} s`],
          ["region in-flight after the run (sum of the origins' estimates, each below 0.5)", fmt(drained.inFlightLeft, 1)],
        ],
      ),
    );
    const failures: string[] = [];
    if (errors.length) failures.push(`${errors.length} unexpected errors, e.g. ${errors[0]!.kind}: ${errors[0]!.result.detail}`);
    if (Number.isNaN(warmed.waitedMs)) failures.push("the router did not go idle after the warm-up: the baseline is not one");
    if (!drained.inFlightDrained) failures.push(`region in-flight did not drain: ${fmt(drained.inFlightLeft, 1)} left`);
    failures.push(...structureProblems(baseline, drained.structures, peak.peak));
    if (heapPerRequest > MAX_HEAP_BYTES_PER_REQUEST) failures.push(`router isolate kept ${fmt(heapGrowthBytes / 2 ** 20, 2)} MiB more after GC: ${fmt(heapPerRequest, 0)} bytes per request`);
    if (!(rssGrowth <= MAX_RSS_GROWTH)) failures.push(`workerd memory at rest grew ${fmt(rssGrowth * 100, 1)}% (${fmt(after.rss - before.rss, 1)} MiB) over the run`);
    console.log(`\n${failures.length ? `FAILED:\n  ${failures.join("\n  ")}` : "No unexpected errors, nothing leaking."}`);
    return failures.length ? 1 : 0;
  } finally {
    await router.stop();
    await Promise.all(origins.map((o) => o.close()));
  }
}

process.exit(await main().catch((err: unknown) => {
  console.error(err instanceof Error ? (err.stack ?? err.message) : err);
  return 1;
}));
