// Router overhead: the same requests straight to one fast local origin and
// through Meridian (in workerd) to that origin, in the same run. Direct and
// router measurements alternate in rounds so machine noise hits both.

import type { Agent } from "node:http";
import { startOrigin } from "../../fleet/server";
import { keepAliveAgent, runLoad, type LoadTarget } from "../lib/load";
import { seedRouter, startRouter } from "../../harness/router";
import { fmt, fmtSigned, summarize, table, type Column } from "../lib/stats";
import type { Suite, SuiteContext } from "../lib/suite";

const ADMIN_TOKEN = "adm-bench-0123456789abcdef0123456789abcdef";
const TENANT_KEY = "sk-mrd-bench-0123456789abcdef0123456789abcdef";
const MODEL = "llama-8b";
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

type PathName = "direct" | "router";

interface Totals {
  ok: number;
  errors: number;
  firstError?: string;
  elapsedMs: number;
  latencyMs: number[];
  ttftMs: number[];
  /** workerd CPU seconds during this path's rounds. */
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

function body(stream: boolean, maxTokens: number): string {
  return JSON.stringify({
    model: MODEL,
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
  await seedRouter(router, ADMIN_TOKEN, TENANT_KEY, {
    id: "bench",
    baseUrl: origin.baseUrl,
    region: "enam",
    lat: 39.04,
    lon: -77.49,
    models: [MODEL],
    price: { input_per_m: 0.2, output_per_m: 0.6 },
  });

  const targets = (s: Scenario): Record<PathName, LoadTarget> => {
    const b = body(s.stream, config.maxTokens);
    return {
      direct: { url: `${origin.baseUrl}/chat/completions`, headers: {}, body: b, stream: s.stream },
      router: { url: `${router.url}/v1/chat/completions`, headers: { authorization: `Bearer ${TENANT_KEY}` }, body: b, stream: s.stream },
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
  console.log(`Origin:  fleet startOrigin, profile llama-8b, speed ${config.fleetSpeed} (1 = H100 pace), in the bench process, ${origin.url}`);
  console.log(
    `Request: POST /v1/chat/completions, ${usage.prompt_tokens} prompt + ${usage.completion_tokens} completion tokens (max_tokens ${config.maxTokens}), ${Buffer.byteLength(probeText)} B non-streamed body`,
  );
  const perPath = config.requests !== undefined ? `${config.requests} requests` : `${config.seconds} s`;
  console.log(
    `Method:  closed loop (node:http, keep-alive Agent); per scenario ${config.warmupSeconds} s warm-up per path, then ${perPath} per path in ${config.rounds} alternating rounds`,
  );
  console.log("");

  const rows: { s: Scenario; direct: Totals; router: Totals }[] = [];
  for (const s of scenarios) {
    signal.throwIfAborted();
    const t = targets(s);
    const agents: Record<PathName, Agent> = { direct: keepAliveAgent(s.concurrency), router: keepAliveAgent(s.concurrency) };
    try {
      if (config.warmupSeconds > 0) {
        ctx.progress(`${s.label}: warm-up`);
        for (const p of ["direct", "router"] as const) {
          await runLoad(t[p], { concurrency: s.concurrency, durationMs: config.warmupSeconds * 1000, agent: agents[p], signal });
        }
      }
      const totals: Record<PathName, Totals> = { direct: emptyTotals(), router: emptyTotals() };
      for (let r = 0; r < config.rounds; r++) {
        const order: PathName[] = r % 2 === 0 ? ["direct", "router"] : ["router", "direct"];
        for (const p of order) {
          signal.throwIfAborted();
          ctx.progress(`${s.label}: round ${r + 1}/${config.rounds}, ${p}`);
          const share =
            config.requests !== undefined
              ? { requests: Math.floor(config.requests / config.rounds) + (r < config.requests % config.rounds ? 1 : 0) }
              : { durationMs: (config.seconds * 1000) / config.rounds };
          const originCalls = (): number => origin.stats().served + origin.stats().errors;
          const o0 = originCalls();
          const w0 = router.cpuSeconds();
          const b0 = benchCpuSeconds();
          const res = await runLoad(t[p], { concurrency: s.concurrency, agent: agents[p], signal, ...share });
          const acc = totals[p];
          acc.workerdCpuS += router.cpuSeconds() - w0;
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
      agents.direct.destroy();
      agents.router.destroy();
    }
  }
  signal.throwIfAborted();
  report(rows);
}

function report(rows: { s: Scenario; direct: Totals; router: Totals }[]): void {
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
  for (const { s, direct, router } of rows) {
    for (const [name, t] of [["direct", direct], ["router", router]] as const) {
      const n = t.ok + t.errors;
      const seconds = t.elapsedMs / 1000;
      const lat = summarize(t.latencyMs);
      lines.push([
        s.label,
        name,
        String(n),
        String(t.errors),
        fmt(t.ok / seconds, 0),
        fmt(lat.p50, 2),
        fmt(lat.p99, 2),
        s.stream ? fmt(summarize(t.ttftMs).p50, 2) : "-",
        // On direct rows workerd is idle: only its utilisation is shown, as a baseline.
        name === "router" ? fmt((t.workerdCpuS * 1000) / n, 3) : "-",
        fmt((t.workerdCpuS / seconds) * 100, 0),
        fmt((t.benchCpuS * 1000) / n, 3),
        fmt((t.benchCpuS / seconds) * 100, 0),
      ]);
    }
  }
  console.log("Per scenario and path. Latency: request sent to last body byte, seen by the client. CPU: user+system time of");
  console.log("the workerd process (router) and of this bench process (load generator + origin), per request and in % of one core.");
  console.log(table(per, lines));
  console.log("");

  const diff: Column[] = [
    { title: "scenario", align: "left" },
    { title: "added p50 ms" },
    { title: "added p99 ms" },
    { title: "added p50 TTFT ms" },
    { title: "throughput router/direct" },
    { title: "router CPU ms/req" },
    { title: "origin calls/req" },
  ];
  const diffLines = rows.map(({ s, direct, router }) => {
    const d = summarize(direct.latencyMs);
    const r = summarize(router.latencyMs);
    const ttft = s.stream ? fmtSigned(summarize(router.ttftMs).p50 - summarize(direct.ttftMs).p50, 2) : "-";
    const ratio = router.ok / (router.elapsedMs / 1000) / (direct.ok / (direct.elapsedMs / 1000));
    const n = router.ok + router.errors;
    return [s.label, fmtSigned(r.p50 - d.p50, 2), fmtSigned(r.p99 - d.p99, 2), ttft, fmt(ratio, 2), fmt((router.workerdCpuS * 1000) / n, 3), fmt(router.originCalls / n, 3)];
  });
  console.log("Router vs direct (router minus direct)");
  console.log(table(diff, diffLines));

  for (const { s, direct, router } of rows) {
    for (const [name, t] of [["direct", direct], ["router", router]] as const) {
      if (t.errors) console.log(`! ${s.label} ${name}: ${t.errors} failed, first: ${t.firstError}`);
    }
  }
}

export const overhead: Suite = { id: "overhead", name: "router overhead", scenarios: SCENARIOS.map((s) => s.id), run };
