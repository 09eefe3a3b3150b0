// `npm run load`: a steady open-loop request rate through the router (one
// workerd, bench/lib/router.ts) to healthy fleet origins, with the mix of
// load/mix.ts (three tenants, streamed and not, cache hits and misses,
// `model: "auto"`). Reports latency, TTFT and cache hits per kind, the
// workerd's resident memory, and whether anything leaks: the region's
// in-flight estimates must drain to zero and memory must stop growing.
// LOAD_SECONDS (default 60), LOAD_RPS (default 40), FLEET_SPEED (default 10),
// LOAD_MAX_RSS_GROWTH (default 0.1).
// Exits 1 on any unexpected error or leak.

import { performance } from "node:perf_hooks";
import { startOrigin, type RunningOrigin } from "../fleet/server";
import type { ProfileName } from "../fleet/gpu-profiles";
import { AdminClient } from "../scripts/lib/admin-client";
import { sendChat, type ChatResult } from "../bench/lib/chat-client";
import { keepAliveAgent } from "../bench/lib/load";
import { pollStats } from "../bench/lib/region-stats";
import { seedRouter, startRouter, type RunningRouter } from "../bench/lib/router";
import { lateGrowth, rssMiB } from "../bench/lib/rss";
import { fmt, summarize, table, type Column } from "../bench/lib/stats";
import { KINDS, nth, TENANTS } from "./mix";

const ADMIN_TOKEN = "load-admin-token-0123456789";
const SECONDS = Number(process.env.LOAD_SECONDS ?? 60);
const RPS = Number(process.env.LOAD_RPS ?? 40);
const SPEED = Number(process.env.FLEET_SPEED ?? 10);
const REGION = "enam";
const POP = "39.04,-77.49";
const PRICE = { input_per_m: 0.1, output_per_m: 0.2 };
/** More than this growth from the middle to the last third of the run counts as a leak (LOAD_MAX_RSS_GROWTH). */
const MAX_LATE_GROWTH = Number(process.env.LOAD_MAX_RSS_GROWTH ?? 0.1);
const DRAIN_TIMEOUT_MS = 60_000;

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

/** Sends request n at start + n/RPS, whether or not earlier ones have finished. */
async function openLoop(routerUrl: string, onTick: () => void): Promise<{ sent: Sent[]; elapsedMs: number }> {
  const agent = keepAliveAgent(1024);
  const total = Math.round(SECONDS * RPS);
  const pending: Promise<Sent>[] = [];
  const start = performance.now();
  let nextTick = start + 1000;
  for (let n = 0; n < total; n++) {
    const due = start + (n * 1000) / RPS;
    const wait = due - performance.now();
    if (wait > 0) await new Promise((r) => setTimeout(r, wait));
    if (performance.now() >= nextTick) {
      onTick();
      nextTick += 1000;
    }
    const { kind, body } = nth(n);
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

async function main(): Promise<number> {
  const origins = await Promise.all(FLEET.map((f) => startOrigin({ id: f.id, models: [f.profile], profile: f.profile, speed: SPEED })));
  const router = await startRouter({ adminToken: ADMIN_TOKEN });
  try {
    await register(router, origins);
    console.log(`Load run: ${router.description}; ${RPS} requests/s for ${SECONDS} s, ${FLEET.length} healthy origins at fleet speed ${SPEED}\n`);
    const rss: number[] = [];
    const rssStart = rssMiB(router.pid);
    const { sent, elapsedMs } = await openLoop(router.url, () => rss.push(rssMiB(router.pid)));
    const rssEnd = rssMiB(router.pid);

    const admin = new AdminClient(router.url, ADMIN_TOKEN);
    const drained = await pollStats(admin, REGION, (rows) => rows.every((r) => r.in_flight < 0.5), DRAIN_TIMEOUT_MS, 1000);
    const inFlightLeft = drained.rows.reduce((n, r) => n + r.in_flight, 0);

    const rows = KINDS.map((k) => row(k.id, k.about, sent.filter((s) => s.kind === k.id)));
    rows.push(row("all", `${fmt(sent.length / (elapsedMs / 1000), 1)} requests/s achieved`, sent));
    console.log(table(COLUMNS, rows));

    const growth = lateGrowth(rss);
    const errors = sent.filter((s) => s.result.outcome !== "ok");
    console.log("");
    console.log(
      table(
        [{ title: "resource", align: "left" }, { title: "value", align: "left" }],
        [
          ["workerd RSS start / end", `${fmt(rssStart, 1)} / ${fmt(rssEnd, 1)} MiB`],
          ["RSS every 10 s", rss.filter((_, i) => i % 10 === 9).map((x) => fmt(x, 0)).join(" ") + " MiB"],
          ["RSS middle third / last third", `${fmt(growth.middle, 1)} / ${fmt(growth.last, 1)} MiB (${fmt(growth.growth * 100, 1)}%)`],
          ["resent after a keep-alive socket closed", String(sent.filter((s) => s.result.retried).length)],
          ["region in-flight after the run", Number.isNaN(drained.waitedMs) ? `${fmt(inFlightLeft, 1)} after ${DRAIN_TIMEOUT_MS / 1000} s` : `0 (drained in ${fmt(drained.waitedMs / 1000, 0)} s)`],
        ],
      ),
    );
    const failures: string[] = [];
    if (errors.length) failures.push(`${errors.length} unexpected errors, e.g. ${errors[0]!.kind}: ${errors[0]!.result.detail}`);
    if (growth.growth > MAX_LATE_GROWTH) failures.push(`workerd memory still growing: +${fmt(growth.growth * 100, 1)}% from the middle to the last third`);
    if (Number.isNaN(drained.waitedMs)) failures.push(`in-flight did not drain: ${fmt(inFlightLeft, 1)} left`);
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
