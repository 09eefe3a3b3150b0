// Where Meridian's CPU over the floor goes: the same non-streamed request at
// concurrency 1 through four workers, each in its own workerd, in alternating
// rounds: the floor (fetch and nothing else), the JS relay (parses the request
// and the answer), the skeleton (lib/skeleton/worker.ts: Meridian's framework,
// authentication, validation, attempt timer, headers, without its stages) and
// Meridian itself. Usage: npx tsx bench/skeleton.ts [seconds per path, default 12]
// For ablations: SKELETON_ROUTER_VARS='{"HEDGE_BUDGET":"0"}' (the router's vars),
// SKELETON_PLAIN=1 (a tenant with no limits, credits, budget or rules instead of the bench tenant);
// SKELETON_CONCURRENCY=32 (clients at once; default 1).
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { startOrigin } from "../fleet/server";
import { AdminClient } from "../harness/admin-client";
import { bundleWorker, seedRouter, startRouter } from "../harness/router";
import { JS_RELAY_WORKER, startFloor } from "./lib/floor";
import { keepAliveAgent, runLoad } from "./lib/load";
import { fmt, fmtSigned, summarize, table } from "./lib/stats";

const ADMIN_TOKEN = "adm-bench-0123456789abcdef0123456789abcdef";
const KEY = "sk-mrd-bench-0123456789abcdef0123456789abcdef"; // the skeleton checks this one too
const MODEL = "llama-8b";
const ROUNDS = 6;
const CONCURRENCY = Number(process.env.SKELETON_CONCURRENCY ?? 1);

const seconds = Number(process.argv[2] ?? 12);
const outDir = await mkdtemp(join(tmpdir(), "meridian-skeleton-"));
const origin = await startOrigin({ id: "bench", models: [MODEL], profile: "llama-8b", speed: 1000 });
const stops: (() => Promise<unknown>)[] = [() => origin.close(), () => rm(outDir, { recursive: true, force: true })];
try {
  const skeletonBundle = await bundleWorker(fileURLToPath(new URL("./lib/skeleton/wrangler.toml", import.meta.url)), outDir);
  const floor = await startFloor(origin.baseUrl);
  const jsRelay = await startFloor(origin.baseUrl, { scriptPath: JS_RELAY_WORKER });
  const skeleton = await startFloor(origin.baseUrl, { scriptPath: skeletonBundle });
  const vars = process.env.SKELETON_ROUTER_VARS ? (JSON.parse(process.env.SKELETON_ROUTER_VARS) as Record<string, string>) : undefined;
  const router = await startRouter({ adminToken: ADMIN_TOKEN, ...(vars ? { vars } : {}) });
  stops.push(() => floor.stop(), () => jsRelay.stop(), () => skeleton.stop(), () => router.stop());
  await seedRouter(router, ADMIN_TOKEN, KEY, { id: "bench", baseUrl: origin.baseUrl, region: "enam", lat: 39.04, lon: -77.49, models: [MODEL], price: { input_per_m: 0.2, output_per_m: 0.6 } });

  const body = JSON.stringify({ model: MODEL, messages: [{ role: "user", content: "Write one short paragraph about a quiet harbor town in winter." }], max_tokens: 32 });
  const auth = { authorization: `Bearer ${KEY}` };
  let routerAuth = auth;
  if (process.env.SKELETON_PLAIN === "1") {
    const plain = "sk-mrd-plain-0123456789abcdef0123456789abcdef";
    const admin = new AdminClient(router.url, ADMIN_TOKEN);
    await admin.call("PUT", "/tenants/plain", { name: "Plain tenant" });
    await admin.call("POST", "/tenants/plain/keys", { name: "plain", key: plain });
    routerAuth = { authorization: `Bearer ${plain}` };
  }
  const paths = [
    { name: "floor", url: `${floor.url}/chat/completions`, cpu: () => floor.cpuSeconds(), headers: auth },
    { name: "js-relay", url: `${jsRelay.url}/chat/completions`, cpu: () => jsRelay.cpuSeconds(), headers: auth },
    { name: "skeleton", url: `${skeleton.url}/v1/chat/completions`, cpu: () => skeleton.cpuSeconds(), headers: auth },
    { name: "router", url: `${router.url}/v1/chat/completions`, cpu: () => router.cpuSeconds(), headers: routerAuth },
  ];
  const totals = paths.map(() => ({ cpuS: 0, requests: 0, errors: 0, firstError: undefined as string | undefined, elapsedMs: 0, latencyMs: [] as number[] }));
  const agents = paths.map(() => keepAliveAgent(CONCURRENCY));
  for (let round = -1; round < ROUNDS; round++) {
    // Round -1 warms every path up; then the order rotates so each path follows each other one.
    for (let k = 0; k < paths.length; k++) {
      const i = round < 0 ? k : (k + round) % paths.length;
      const p = paths[i]!;
      const c0 = p.cpu();
      const r = await runLoad({ url: p.url, headers: p.headers, body, stream: false }, { concurrency: CONCURRENCY, durationMs: round < 0 ? 1000 : (seconds * 1000) / ROUNDS, agent: agents[i]! });
      if (round < 0) continue;
      // Reported, not fatal, as the overhead suite does: now and then one skeleton request ends with
      // "socket hang up" (two runs in eleven; cause not found, likely a reused keep-alive socket).
      totals[i]!.errors += r.errors;
      totals[i]!.firstError ??= r.firstError;
      totals[i]!.cpuS += p.cpu() - c0;
      totals[i]!.requests += r.ok + r.errors;
      totals[i]!.elapsedMs += r.elapsedMs;
      totals[i]!.latencyMs.push(...r.latencyMs);
    }
  }
  for (const a of agents) a.destroy();
  const cpuMs = (i: number) => (totals[i]!.cpuS * 1000) / totals[i]!.requests;
  const p50 = (i: number) => summarize(totals[i]!.latencyMs).p50;
  const perS = (i: number) => totals[i]!.requests / (totals[i]!.elapsedMs / 1000);
  console.log(`chat c=${CONCURRENCY}, ${seconds} s per path in ${ROUNDS} alternating rounds; CPU = the path's workerd process, user + system\n`);
  console.log(
    table(
      [{ title: "path", align: "left" }, { title: "requests" }, { title: "CPU ms/req" }, { title: "- floor ms" }, { title: "p50 ms" }, { title: "- floor p50 ms" }, { title: "req/s / floor" }],
      paths.map((p, i) => [p.name, String(totals[i]!.requests), fmt(cpuMs(i), 3), fmtSigned(cpuMs(i) - cpuMs(0), 3), fmt(p50(i), 2), fmtSigned(p50(i) - p50(0), 2), fmt(perS(i) / perS(0), 2)]),
    ),
  );
  paths.forEach((p, i) => {
    if (totals[i]!.errors) console.log(`! ${p.name}: ${totals[i]!.errors} failed, first: ${totals[i]!.firstError}`);
  });
} finally {
  for (const stop of stops.reverse()) await stop().catch(() => {});
}
process.exit(0);
