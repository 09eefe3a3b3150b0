// Router overhead: the same requests straight to one fast local origin,
// through the platform's floor (a pass-through Worker in its own workerd) and
// through Meridian (in workerd) to that origin, in the same run. The three
// paths take turns in rounds so machine noise hits all of them.

import type { Agent } from "node:http";
import { startOrigin } from "../../fleet/server";
import { keepAliveAgent, runLoad, type LoadTarget } from "../lib/load";
import { JS_RELAY_WORKER, startFloor } from "../lib/floor";
import { AdminClient } from "../../harness/admin-client";
import { seedRouter, startRouter } from "../../harness/router";
import { fmt, fmtSigned, summarize, table, type Column } from "../lib/stats";
import type { Suite, SuiteContext } from "../lib/suite";

const ADMIN_TOKEN = "adm-bench-0123456789abcdef0123456789abcdef";
const TENANT_KEY = "sk-mrd-bench-0123456789abcdef0123456789abcdef";
const MODEL = "llama-8b";
/** The same origin registered a second time without `stream_relay: "native"`: streams through the checked relay. */
const MODEL_CHECKED = "llama-8b-checked";
const PROMPT = "Write one short paragraph about a quiet harbor town in winter.";

interface Scenario {
  id: string;
  label: string;
  concurrency: number;
  stream: boolean;
}

const SCENARIOS: readonly Scenario[] = [
  { id: "chat-c1", label: "chat c=1", concurrency: 1, stream: false },
  { id: "chat-c32", label: "chat c=32", concurrency: 32, stream: false },
  { id: "stream-c8", label: "stream c=8", concurrency: 8, stream: true },
];

/** Every scenario also goes through the least a relay that reads what it relays in JavaScript does (js-relay-worker.js). */
const PATHS = ["direct", "floor", "js-relay", "router"] as const;
/**
 * Streams go through Meridian twice: `router` to the bench
 * origin, marked `stream_relay: "native"` (an origin the operator runs), and
 * `router-checked` to the same origin registered without it.
 */
const STREAM_PATHS = ["direct", "floor", "js-relay", "router", "router-checked"] as const;
type PathName = (typeof STREAM_PATHS)[number];
const pathsOf = (s: Scenario): readonly PathName[] => (s.stream ? STREAM_PATHS : PATHS);

interface Totals {
  ok: number;
  errors: number;
  firstError?: string;
  elapsedMs: number;
  latencyMs: number[];
  ttftMs: number[];
  /** CPU seconds of the workerd in this path (the floor's or the router's) during its rounds; 0 for direct. */
  workerdCpuS: number;
  /** This (bench) process's CPU seconds during this path's rounds: load generator + origin. */
  benchCpuS: number;
  /** /v1 requests the origin finished during this path's rounds (retries and hedges count). */
  originCalls: number;
}

const emptyTotals = (): Totals => ({ ok: 0, errors: 0, elapsedMs: 0, latencyMs: [], ttftMs: [], workerdCpuS: 0, benchCpuS: 0, originCalls: 0 });

function benchCpuSeconds(): number {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1e6;
}

function body(stream: boolean, maxTokens: number, model = MODEL): string {
  return JSON.stringify({
    model,
    messages: [{ role: "user", content: PROMPT }],
    max_tokens: maxTokens,
    ...(stream ? { stream: true, stream_options: { include_usage: true } } : {}),
  });
}

async function run(ctx: SuiteContext): Promise<void> {
  const { config, signal } = ctx;
  const scenarios = config.scenarios ? SCENARIOS.filter((s) => config.scenarios!.includes(s.id)) : SCENARIOS;
  if (scenarios.length === 0) throw new Error(`BENCH_SCENARIOS matched none of: ${SCENARIOS.map((s) => s.id).join(", ")}`);

  ctx.progress(`starting the origin (speed ${config.fleetSpeed}) and building + starting the router...`);
  const origin = await startOrigin({ id: "bench", models: [MODEL], profile: "llama-8b", speed: config.fleetSpeed });
  ctx.defer(() => origin.close());
  const router = await startRouter({ adminToken: ADMIN_TOKEN, layers: config.routerLayers, verbose: config.verbose, signal, callerHandlesSignals: true });
  ctx.defer(() => router.stop());
  const floor = await startFloor(origin.baseUrl);
  ctx.defer(() => floor.stop());
  const jsRelay = await startFloor(origin.baseUrl, { scriptPath: JS_RELAY_WORKER });
  ctx.defer(() => jsRelay.stop());
  await seedRouter(router, ADMIN_TOKEN, TENANT_KEY, {
    id: "bench",
    baseUrl: origin.baseUrl,
    region: "enam",
    lat: 39.04,
    lon: -77.49,
    models: [MODEL],
    price: { input_per_m: 0.2, output_per_m: 0.6 },
    streamRelay: "native",
  });
  await new AdminClient(router.url, ADMIN_TOKEN).call("PUT", "/origins/bench-checked", {
    base_url: origin.baseUrl,
    region: "enam",
    lat: 39.04,
    lon: -77.49,
    models: { [MODEL_CHECKED]: MODEL },
    price: { input_per_m: 0.2, output_per_m: 0.6 },
  });

  const targets = (s: Scenario): Record<PathName, LoadTarget> => {
    const b = body(s.stream, config.maxTokens);
    return {
      direct: { url: `${origin.baseUrl}/chat/completions`, headers: {}, body: b, stream: s.stream },
      floor: { url: `${floor.url}/chat/completions`, headers: {}, body: b, stream: s.stream },
      "js-relay": { url: `${jsRelay.url}/chat/completions`, headers: {}, body: b, stream: s.stream },
      router: { url: `${router.url}/v1/chat/completions`, headers: { authorization: `Bearer ${TENANT_KEY}` }, body: b, stream: s.stream },
      "router-checked": { url: `${router.url}/v1/chat/completions`, headers: { authorization: `Bearer ${TENANT_KEY}` }, body: body(s.stream, config.maxTokens, MODEL_CHECKED), stream: s.stream },
    };
  };

  // One probe through the router: it routes to the bench origin, and how big the work is.
  const probe = await fetch(`${router.url}/v1/chat/completions`, {
    method: "POST",
    headers: { authorization: `Bearer ${TENANT_KEY}`, "content-type": "application/json" },
    body: body(false, config.maxTokens),
  });
  const probeText = await probe.text();
  if (!probe.ok || probe.headers.get("x-meridian-origin") !== "bench") throw new Error(`probe through the router failed: ${probe.status} ${probeText}`);
  const usage = (JSON.parse(probeText) as { usage: { prompt_tokens: number; completion_tokens: number } }).usage;

  console.log(`Router:  ${router.description}`);
  console.log(`         ${router.url}, seeded with one origin, one tenant, one key (KV + SQLite Durable Objects in memory)`);
  console.log(`Floor:   ${floor.description}`);
  console.log(`         and through a JavaScript relay: ${jsRelay.description}`);
  console.log(`Origin:  fleet startOrigin, profile llama-8b, speed ${config.fleetSpeed} (1 = H100 pace), in the bench process, ${origin.url}`);
  console.log(
    `Request: POST /v1/chat/completions, ${usage.prompt_tokens} prompt + ${usage.completion_tokens} completion tokens (max_tokens ${config.maxTokens}), ${Buffer.byteLength(probeText)} B non-streamed body`,
  );
  const perPath = config.requests !== undefined ? `${config.requests} requests` : `${config.seconds} s`;
  console.log(
    `Method:  closed loop (node:http, keep-alive Agent); per scenario ${config.warmupSeconds} s warm-up per path, then ${perPath} per path in ${config.rounds} rounds, the paths' order rotating`,
  );
  console.log("");

  const rows: Row[] = [];
  const workerdCpu: Record<PathName, () => number> = { direct: () => 0, floor: () => floor.cpuSeconds(), "js-relay": () => jsRelay.cpuSeconds(), router: () => router.cpuSeconds(), "router-checked": () => router.cpuSeconds() };
  for (const s of scenarios) {
    signal.throwIfAborted();
    const t = targets(s);
    const paths = pathsOf(s);
    const agents = Object.fromEntries(paths.map((p) => [p, keepAliveAgent(s.concurrency)])) as Record<PathName, Agent>;
    try {
      if (config.warmupSeconds > 0) {
        ctx.progress(`${s.label}: warm-up`);
        for (const p of paths) {
          await runLoad(t[p], { concurrency: s.concurrency, durationMs: config.warmupSeconds * 1000, agent: agents[p], signal });
        }
      }
      const totals: Record<PathName, Totals> = { direct: emptyTotals(), floor: emptyTotals(), "js-relay": emptyTotals(), router: emptyTotals(), "router-checked": emptyTotals() };
      for (let r = 0; r < config.rounds; r++) {
        // D F R, R D F, F R D, ... then reversed, so each path follows each other one.
        const rotated = paths.map((_, i) => paths[(i + r) % paths.length]!);
        const order = Math.floor(r / paths.length) % 2 === 0 ? rotated : rotated.reverse();
        for (const p of order) {
          signal.throwIfAborted();
          ctx.progress(`${s.label}: round ${r + 1}/${config.rounds}, ${p}`);
          const share =
            config.requests !== undefined
              ? { requests: Math.floor(config.requests / config.rounds) + (r < config.requests % config.rounds ? 1 : 0) }
              : { durationMs: (config.seconds * 1000) / config.rounds };
          const originCalls = (): number => origin.stats().served + origin.stats().errors;
          const o0 = originCalls();
          const w0 = workerdCpu[p]();
          const b0 = benchCpuSeconds();
          const res = await runLoad(t[p], { concurrency: s.concurrency, agent: agents[p], signal, ...share });
          const acc = totals[p];
          acc.workerdCpuS += workerdCpu[p]() - w0;
          acc.benchCpuS += benchCpuSeconds() - b0;
          acc.originCalls += originCalls() - o0;
          acc.ok += res.ok;
          acc.errors += res.errors;
          acc.firstError ??= res.firstError;
          acc.elapsedMs += res.elapsedMs;
          for (const x of res.latencyMs) acc.latencyMs.push(x);
          for (const x of res.ttftMs) acc.ttftMs.push(x);
        }
      }
      rows.push({ s, ...totals });
    } finally {
      for (const agent of Object.values(agents)) agent.destroy();
    }
  }
  signal.throwIfAborted();
  report(rows);
}

interface Row {
  s: Scenario;
  direct: Totals;
  floor: Totals;
  "js-relay": Totals;
  router: Totals;
  "router-checked": Totals;
}

const perSecond = (t: Totals) => t.ok / (t.elapsedMs / 1000);
const cpuMsPerRequest = (t: Totals) => (t.workerdCpuS * 1000) / (t.ok + t.errors);
const p50 = (xs: number[]) => summarize(xs).p50;

function report(rows: Row[]): void {
  const per: Column[] = [
    { title: "scenario", align: "left" },
    { title: "path", align: "left" },
    { title: "requests" },
    { title: "errors" },
    { title: "req/s" },
    { title: "p50 ms" },
    { title: "p99 ms" },
    { title: "p50 TTFT ms" },
    { title: "workerd ms/req" },
    { title: "workerd %" },
    { title: "bench ms/req" },
    { title: "bench %" },
  ];
  const lines: string[][] = [];
  for (const row of rows) {
    for (const name of pathsOf(row.s)) {
      const t = row[name];
      const n = t.ok + t.errors;
      const seconds = t.elapsedMs / 1000;
      const lat = summarize(t.latencyMs);
      lines.push([
        row.s.label,
        name,
        String(n),
        String(t.errors),
        fmt(t.ok / seconds, 0),
        fmt(lat.p50, 2),
        fmt(lat.p99, 2),
        row.s.stream ? fmt(p50(t.ttftMs), 2) : "-",
        name === "direct" ? "-" : fmt(cpuMsPerRequest(t), 3),
        name === "direct" ? "-" : fmt((t.workerdCpuS / seconds) * 100, 0),
        fmt((t.benchCpuS * 1000) / n, 3),
        fmt((t.benchCpuS / seconds) * 100, 0),
      ]);
    }
  }
  console.log("Per scenario and path. Latency: request sent to last body byte, seen by the client. CPU: user+system time of the");
  console.log("path's workerd process (the floor's or the router's) and of this bench process (load generator + origin), per request and in % of one core.");
  console.log(table(per, lines));
  console.log("");

  const diff: Column[] = [
    { title: "scenario", align: "left" },
    { title: "floor added p50 ms" },
    { title: "Meridian added p50 ms" },
    { title: "Meridian - floor p50 ms" },
    { title: "Meridian - floor p99 ms" },
    { title: "Meridian - floor TTFT ms" },
    { title: "floor CPU ms/req" },
    { title: "Meridian CPU ms/req" },
    { title: "Meridian - floor CPU ms" },
    { title: "JS relay - floor CPU ms" },
    { title: "checked relay - floor CPU ms" },
    { title: "req/s Meridian/floor" },
    { title: "origin calls/req" },
  ];
  const diffLines = rows.map((row) => {
    const { s, direct, floor, router } = row;
    const d = p50(direct.latencyMs);
    return [
      s.label,
      fmtSigned(p50(floor.latencyMs) - d, 2),
      fmtSigned(p50(router.latencyMs) - d, 2),
      fmtSigned(p50(router.latencyMs) - p50(floor.latencyMs), 2),
      fmtSigned(summarize(router.latencyMs).p99 - summarize(floor.latencyMs).p99, 2),
      s.stream ? fmtSigned(p50(router.ttftMs) - p50(floor.ttftMs), 2) : "-",
      fmt(cpuMsPerRequest(floor), 3),
      fmt(cpuMsPerRequest(router), 3),
      fmtSigned(cpuMsPerRequest(router) - cpuMsPerRequest(floor), 3),
      fmtSigned(cpuMsPerRequest(row["js-relay"]) - cpuMsPerRequest(floor), 3),
      s.stream ? fmtSigned(cpuMsPerRequest(row["router-checked"]) - cpuMsPerRequest(floor), 3) : "-",
      fmt(perSecond(router) / perSecond(floor), 2),
      fmt(router.originCalls / (router.ok + router.errors), 3),
    ];
  });
  console.log("Meridian against the floor (the same requests through a pass-through Worker in the same runtime) and direct");
  console.log(table(diff, diffLines));
  console.log("");

  const goals = targets(rows);
  if (goals.length) {
    console.log("Targets (issue 14; informational: a bench prints, it does not fail)");
    console.log(
      table(
        [{ title: "scenario", align: "left" }, { title: "measure", align: "left" }, { title: "target", align: "left" }, { title: "measured" }, { title: "met", align: "left" }],
        goals.map((g) => [g.scenario, g.measure, g.target, g.measured, g.met ? "yes" : "no"]),
      ),
    );
  }

  for (const row of rows) {
    for (const name of pathsOf(row.s)) {
      const t = row[name];
      if (t.errors) console.log(`! ${row.s.label} ${name}: ${t.errors} failed, first: ${t.firstError}`);
    }
  }
}

interface Goal {
  scenario: string;
  measure: string;
  target: string;
  measured: string;
  met: boolean;
}

/** The cost targets, each as Meridian minus (or over) the floor measured in the same run. */
function targets(rows: Row[]): Goal[] {
  const goals: Goal[] = [];
  for (const row of rows) {
    const { s, floor, router } = row;
    const cpu = cpuMsPerRequest(router) - cpuMsPerRequest(floor);
    const cpuLimit = s.stream ? 0.5 : 0.25;
    goals.push({ scenario: s.label, measure: s.stream ? "CPU per request (native relay)" : "CPU per request", target: `<= floor + ${cpuLimit} ms`, measured: `floor ${fmtSigned(cpu, 3)} ms`, met: cpu <= cpuLimit });
    if (s.stream) {
      const checked = cpuMsPerRequest(row["router-checked"]) - cpuMsPerRequest(floor);
      goals.push({ scenario: s.label, measure: "CPU per request (checked relay)", target: `<= floor + ${cpuLimit} ms`, measured: `floor ${fmtSigned(checked, 3)} ms`, met: checked <= cpuLimit });
    }
    if (s.concurrency === 1) {
      const added = p50(router.latencyMs) - p50(floor.latencyMs);
      goals.push({ scenario: s.label, measure: "added p50", target: "<= floor + 0.3 ms", measured: `floor ${fmtSigned(added, 2)} ms`, met: added <= 0.3 });
    }
    if (s.concurrency >= 32) {
      const ratio = perSecond(router) / perSecond(floor);
      goals.push({ scenario: s.label, measure: "throughput", target: ">= 0.5 x floor", measured: `${fmt(ratio, 2)} x floor`, met: ratio >= 0.5 });
    }
  }
  return goals;
}

export const overhead: Suite = { id: "overhead", name: "router overhead", scenarios: SCENARIOS.map((s) => s.id), run };
