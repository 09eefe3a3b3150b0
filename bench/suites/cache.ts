// Response cache: hit vs miss through the router. One workerd process
// (harness/router.ts: real KV, Cache API and Durable Objects, in memory) and
// one fast fleet origin; every request has `temperature: 0` (cacheable).
// Scenarios, each non-streamed and streamed, at concurrency 1 and 8:
//   nocache   a tenant without cache settings, unique prompts: the baseline
//             (x-meridian-cache: bypass);
//   miss      a tenant with the exact and semantic cache on, unique prompts
//             (a counter in the text): exact lookup, fingerprint, band lookup,
//             origin call, write-behind;
//   exact     one prompt repeated after a warm-up request stored it;
//   semantic  paraphrases of prompts stored first, each checked beforehand to
//             answer hit-semantic (the pool keeps only those that do).
// Streamed and non-streamed scenarios use separate cache tenants, so each
// replays entries stored in its own form. Scenarios of one (form, concurrency)
// alternate in rounds, so machine noise hits them alike.
//
// Then, in this Node process: the semantic lookup's pure steps on a hit and a
// miss: fingerprint (wasm, as embedding.ts loads it, and the TypeScript
// reference), bands(), and verify() of 8 stored candidates.

import type { Agent } from "node:http";
import { readFile } from "node:fs/promises";
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { startOrigin, type RunningOrigin } from "../../fleet/server";
import { AdminClient } from "../../harness/admin-client";
import type { PromptFingerprint } from "../../worker/cache/fingerprint";
import { fromRecord, toRecord as storedRecord } from "../../worker/cache/semantic";
import { bands } from "../../worker/cache/lsh";
import { DEFAULT_THRESHOLD, verify, type Verdict } from "../../worker/cache/similarity";
import { keepAliveAgent, runLoad, type LoadTarget } from "../lib/load";
import { runBatches, sinkValue, warmUp } from "../lib/micro";
import { seedRouter, startRouter, type RunningRouter } from "../../harness/router";
import { SIMULATED_OPS, simulatorCosts, type SimulatedOp } from "../lib/simulator-costs";
import { fmt, fmtSigned, summarize, table, type Column } from "../lib/stats";
import type { Suite, SuiteContext } from "../lib/suite";
import { importEmbedder } from "./embedding";

const ROOT = resolve(fileURLToPath(new URL("../..", import.meta.url)));
const ADMIN_TOKEN = "adm-bench-0123456789abcdef0123456789abcdef";
const MODEL = "llama-8b";
const PROMPT = "Write one short paragraph about a quiet harbor town in winter.";
/**
 * The exact scenario's prompt. It shares no LSH band with the other scenarios'
 * prompts, so only its own requests touch its part of the semantic index.
 */
const EXACT_PROMPT = "Give me a packing list for a weekend hiking trip in the mountains.";
/**
 * The exact entry is stored at least this long before its scenario starts:
 * past the 5 s for which an isolate keeps band lists in memory
 * (worker/cache/semantic.ts), as in steady traffic rather than just after the store.
 */
const EXACT_SETTLE_MS = 5_500;
/** worker/cache/semantic.ts BAND_WRITE_GAP_MS (private there), to explain rejected paraphrases. */
const BAND_WRITE_GAP_MS = 1_500;
const HEADER = "x-meridian-cache";

type Form = "json" | "sse";
type Kind = "nocache" | "miss" | "exact" | "semantic";

/** Tenants: no cache (the baseline), and one cache tenant per response form. */
const TENANTS = {
  nocache: { id: "bench-nocache", key: "sk-mrd-bench-nocache-0123456789abcdef0123456789" },
  json: { id: "bench-cache", key: "sk-mrd-bench-cache-json-0123456789abcdef012345678" },
  sse: { id: "bench-cache-sse", key: "sk-mrd-bench-cache-sse-0123456789abcdef0123456789" },
} as const;

const KINDS: readonly { kind: Kind; label: string; expect: string }[] = [
  { kind: "nocache", label: "miss, cache off", expect: "bypass" },
  { kind: "miss", label: "miss, cache on", expect: "miss" },
  { kind: "exact", label: "hit-exact", expect: "hit-exact" },
  { kind: "semantic", label: "hit-semantic", expect: "hit-semantic" },
];
const CONCURRENCY = [1, 8] as const;

interface Scenario {
  id: string;
  kind: Kind;
  label: string;
  expect: string;
  form: Form;
  concurrency: number;
}

const SCENARIOS: readonly Scenario[] = (["json", "sse"] as const).flatMap((form) =>
  CONCURRENCY.flatMap((concurrency) =>
    KINDS.map(({ kind, label, expect }) => ({
      id: `${kind}-${form === "sse" ? "stream-" : ""}c${concurrency}`,
      kind,
      label,
      expect,
      form,
      concurrency,
    })),
  ),
);

// "Can you X?" is stored; "X." and "I'd like you to X." are asked. The first
// paraphrase has the same fingerprint (the function words carry no weight),
// the second a cosine of ~0.96-0.98 sharing only some bands: a real verification.
const TOPICS = [
  "describe the water cycle",
  "explain how photosynthesis works",
  "explain how a bicycle works",
  "describe how rainbows form",
  "explain why the sky is blue",
  "describe the life cycle of a butterfly",
  "explain how vaccines work",
  "describe how volcanoes erupt",
  "explain how the heart pumps blood",
  "describe how bees make honey",
  "explain how a refrigerator keeps food cold",
  "explain how airplanes fly",
  "describe how earthquakes happen",
  "explain how the moon causes tides",
  "summarize the causes of the first world war",
  "explain how compound interest works",
  "describe how coffee is grown",
  "explain how solar panels make electricity",
  "describe how glaciers shape valleys",
  "explain how a computer stores data",
  "describe how bread rises",
  "explain how muscles grow",
  "describe how clouds form",
  "explain how the immune system fights infection",
  "describe the process of making cheese",
  "explain how a thermostat works",
  "describe how soap removes dirt",
  "explain what causes the seasons",
  "explain how batteries store energy",
  "describe how plants absorb water",
];
const cachedPrompt = (topic: string) => `Can you ${topic}?`;
const capital = (s: string) => s[0]!.toUpperCase() + s.slice(1);
const paraphrases = (topic: string) => [`${capital(topic)}.`, `I'd like you to ${topic}.`];

/** Unique prompts: the number is a salient item, so no two are near-duplicates. */
let counter = 0;
const uniquePrompt = () => `${PROMPT} (request ${++counter})`;

function body(prompt: string, stream: boolean, maxTokens: number): string {
  return JSON.stringify({
    model: MODEL,
    messages: [{ role: "user", content: prompt }],
    max_tokens: maxTokens,
    temperature: 0,
    ...(stream ? { stream: true, stream_options: { include_usage: true } } : {}),
  });
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/**
 * Waits (up to 1 s) until workerd is about idle: at most one clock tick of CPU
 * in 50 ms, so that background work (waitUntil writes) is charged to the
 * scenario that caused it.
 */
async function settle(router: RunningRouter): Promise<void> {
  const deadline = performance.now() + 1000;
  for (;;) {
    const c0 = router.cpuSeconds();
    await sleep(50);
    if (router.cpuSeconds() - c0 <= 0.011 || performance.now() > deadline) return;
  }
}

interface Totals {
  ok: number;
  errors: number;
  firstError?: string;
  elapsedMs: number;
  latencyMs: number[];
  ttftMs: number[];
  workerdCpuS: number;
  originCalls: number;
  headers: Record<string, number>;
}

const emptyTotals = (): Totals => ({ ok: 0, errors: 0, elapsedMs: 0, latencyMs: [], ttftMs: [], workerdCpuS: 0, originCalls: 0, headers: {} });

/** One request through the router (setup and checks, not measured). */
async function ask(router: RunningRouter, key: string, prompt: string, stream: boolean, maxTokens: number): Promise<string> {
  const res = await fetch(`${router.url}/v1/chat/completions`, {
    method: "POST",
    headers: { authorization: `Bearer ${key}`, "content-type": "application/json" },
    body: body(prompt, stream, maxTokens),
  });
  const text = await res.text();
  if (!res.ok) throw new Error(`setup request failed: ${res.status} ${text.slice(0, 300)}`);
  return res.headers.get(HEADER) ?? "";
}

interface Pool {
  prompts: string[];
  checked: number;
  /** Candidates that did not answer hit-semantic: header seen, and the in-process verdict. */
  rejected: { prompt: string; header: string; verdict: string }[];
}

type Fingerprinter = (text: string) => PromptFingerprint;

/**
 * Why a paraphrase of `stored` may have missed: the in-process verdict, the
 * bands both share, and how many of those the index likely never wrote
 * because an earlier stored prompt had written the same band key less than
 * BAND_WRITE_GAP_MS before (the index's per-band write throttle skips it).
 */
function explain(fp: Fingerprinter, asked: string, stored: { prompt: string; at: number }, earlier: readonly { prompt: string; at: number }[]): string {
  const a = fp(asked);
  const b = fp(stored.prompt);
  const v = verify(a, b, DEFAULT_THRESHOLD);
  const ba = bands(a.signature);
  const bb = bands(b.signature);
  const shared = bb.map((k, i) => (k === ba[i] ? i : -1)).filter((i) => i >= 0);
  const recent = earlier.filter((e) => stored.at - e.at < BAND_WRITE_GAP_MS).map((e) => bands(fp(e.prompt).signature));
  const skipped = (i: number) => recent.some((r) => r[i] === bb[i]);
  const skippedAll = bb.filter((_, i) => skipped(i)).length;
  const skippedShared = shared.filter(skipped).length;
  return (
    `${v.reason}, cosine ${v.similarity.toFixed(3)}, ${shared.length}/8 bands shared; ` +
    `the stored prompt's index writes likely throttled: ${skippedAll}/8 bands, ${skippedShared} of the shared`
  );
}

/** Stores every "Can you X?", then keeps the paraphrases that the router answers with hit-semantic. */
async function semanticPool(router: RunningRouter, form: Form, maxTokens: number, fp: Fingerprinter): Promise<Pool> {
  const key = TENANTS[form].key;
  const stream = form === "sse";
  const stored: { prompt: string; at: number }[] = [];
  for (const t of TOPICS) {
    stored.push({ prompt: cachedPrompt(t), at: Date.now() });
    await ask(router, key, cachedPrompt(t), stream, maxTokens);
  }
  await sleep(500); // write-behind (waitUntil) lands after each response has been delivered
  const pool: Pool = { prompts: [], checked: 0, rejected: [] };
  for (let i = 0; i < TOPICS.length; i++) {
    for (const p of paraphrases(TOPICS[i]!)) {
      pool.checked++;
      const header = await ask(router, key, p, stream, maxTokens);
      if (header === "hit-semantic") pool.prompts.push(p);
      else pool.rejected.push({ prompt: p, header, verdict: explain(fp, p, stored[i]!, stored.slice(0, i)) });
    }
  }
  return pool;
}

async function run(ctx: SuiteContext): Promise<void> {
  const { config, signal } = ctx;
  const scenarios = config.scenarios ? SCENARIOS.filter((s) => config.scenarios!.includes(s.id)) : SCENARIOS;
  if (scenarios.length === 0) throw new Error(`BENCH_SCENARIOS matched none of: ${SCENARIOS.map((s) => s.id).join(", ")}`);

  // First, while nothing else runs: the semantic lookup's pure steps in-process.
  // The reference fingerprint also explains rejected paraphrases below.
  const [{ fingerprint: wasmFingerprint }, ref, tableBytes] = await Promise.all([
    importEmbedder(),
    import("../../wasm/reference/embedding-reference"),
    readFile(join(ROOT, "wasm/embeddings.bin")),
  ]);
  const vocab = ref.loadTable(tableBytes);
  const refFingerprint: Fingerprinter = (text) => ref.fingerprintReference(text, vocab);
  ctx.progress("cache: semantic lookup steps in-process...");
  const steps = lookupSteps(wasmFingerprint, refFingerprint, signal);
  signal.throwIfAborted();

  ctx.progress("cache: what Miniflare's KV and Cache API simulators cost per operation...");
  const simulator = await simulatorCosts();
  signal.throwIfAborted();

  ctx.progress(`cache: starting the origin (speed ${config.fleetSpeed}) and building + starting the router...`);
  const started = performance.now();
  const origin = await startOrigin({ id: "bench", models: [MODEL], profile: "llama-8b", speed: config.fleetSpeed });
  ctx.defer(() => origin.close());
  const router = await startRouter({ adminToken: ADMIN_TOKEN, layers: config.routerLayers, verbose: config.verbose, signal, callerHandlesSignals: true });
  ctx.defer(() => router.stop());
  // The origin (and the demo tenant, unused here), then this suite's tenants.
  await seedRouter(router, ADMIN_TOKEN, "sk-mrd-bench-demo-0123456789abcdef0123456789abcd", {
    id: "bench",
    baseUrl: origin.baseUrl,
    region: "enam",
    lat: 39.04,
    lon: -77.49,
    models: [MODEL],
    price: { input_per_m: 0.2, output_per_m: 0.6 },
  });
  const admin = new AdminClient(router.url, ADMIN_TOKEN);
  await admin.call("PUT", `/tenants/${TENANTS.nocache.id}`, { name: "bench, no cache" });
  await admin.call("PUT", `/tenants/${TENANTS.json.id}`, { name: "bench, cache (non-streamed)" });
  await admin.call("PUT", `/tenants/${TENANTS.sse.id}`, { name: "bench, cache (streamed)" });
  for (const t of [TENANTS.json, TENANTS.sse]) await admin.call("PUT", `/tenants/${t.id}/rules`, { cache: { exact: true, semantic: true } });
  for (const t of Object.values(TENANTS)) await admin.call("POST", `/tenants/${t.id}/keys`, { name: "bench", key: t.key });
  const startupS = (performance.now() - started) / 1000;

  // Per form: the exact entry, then the semantic pool, only if a scenario needs them.
  const pools: Partial<Record<Form, Pool>> = {};
  const exactChecks: Partial<Record<Form, { stored: number; headers: string[] }>> = {};
  for (const form of ["json", "sse"] as const) {
    if (!scenarios.some((s) => s.form === form && s.kind === "exact")) continue;
    ctx.progress(`cache: storing the exact entry (${form})...`);
    const stream = form === "sse";
    const first = await ask(router, TENANTS[form].key, EXACT_PROMPT, stream, config.maxTokens);
    const stored = performance.now();
    await sleep(100);
    exactChecks[form] = { stored, headers: [first, await ask(router, TENANTS[form].key, EXACT_PROMPT, stream, config.maxTokens)] };
  }
  for (const form of ["json", "sse"] as const) {
    if (scenarios.some((s) => s.form === form && s.kind === "semantic")) {
      ctx.progress(`cache: storing ${TOPICS.length} prompts and checking ${TOPICS.length * 2} paraphrases (${form})...`);
      const pool = await semanticPool(router, form, config.maxTokens, refFingerprint);
      if (pool.prompts.length === 0) throw new Error(`no paraphrase answered hit-semantic (${form}): ${JSON.stringify(pool.rejected.slice(0, 3))}`);
      pools[form] = pool;
    }
  }

  const target = (s: Scenario): LoadTarget => {
    const stream = s.form === "sse";
    const key = s.kind === "nocache" ? TENANTS.nocache.key : TENANTS[s.form].key;
    const base = { url: `${router.url}/v1/chat/completions`, headers: { authorization: `Bearer ${key}` }, stream, countHeader: HEADER };
    switch (s.kind) {
      case "nocache":
      case "miss":
        return { ...base, body: () => body(uniquePrompt(), stream, config.maxTokens) };
      case "exact":
        return { ...base, body: body(EXACT_PROMPT, stream, config.maxTokens) };
      case "semantic": {
        const bodies = pools[s.form]!.prompts.map((p) => body(p, stream, config.maxTokens));
        let i = 0;
        return { ...base, body: () => bodies[i++ % bodies.length]! };
      }
    }
  };

  const originCalls = (o: RunningOrigin) => o.stats().served + o.stats().errors;
  const warmupS = config.cacheSeconds / 5;
  const rows: { s: Scenario; t: Totals }[] = [];
  const t0 = performance.now();
  for (const form of ["json", "sse"] as const) {
    for (const c of CONCURRENCY) {
      const group = scenarios.filter((s) => s.form === form && s.concurrency === c);
      if (group.length === 0) continue;
      const agents = new Map<Scenario, Agent>(group.map((s) => [s, keepAliveAgent(c)]));
      const targets = new Map(group.map((s) => [s, target(s)]));
      const totals = new Map(group.map((s) => [s, emptyTotals()]));
      try {
        for (const s of group) {
          signal.throwIfAborted();
          const wait = s.kind === "exact" ? exactChecks[form]!.stored + EXACT_SETTLE_MS - performance.now() : 0;
          if (wait > 0) {
            ctx.progress(`cache: ${s.id}: waiting ${fmt(wait / 1000, 1)} s after storing the exact entry`);
            await sleep(wait);
          }
          ctx.progress(`cache: ${s.id} warm-up`);
          await runLoad(targets.get(s)!, { concurrency: c, durationMs: warmupS * 1000, agent: agents.get(s)!, signal });
        }
        for (let r = 0; r < config.rounds; r++) {
          const order = r % 2 === 0 ? group : [...group].reverse();
          for (const s of order) {
            signal.throwIfAborted();
            ctx.progress(`cache: ${s.id} round ${r + 1}/${config.rounds}`);
            const share =
              config.requests !== undefined
                ? { requests: Math.floor(config.requests / config.rounds) + (r < config.requests % config.rounds ? 1 : 0) }
                : { durationMs: (config.cacheSeconds * 1000) / config.rounds };
            const o0 = originCalls(origin);
            const w0 = router.cpuSeconds();
            const res = await runLoad(targets.get(s)!, { concurrency: c, agent: agents.get(s)!, signal, ...share });
            await settle(router); // the write-behind of the last requests belongs to this scenario
            const acc = totals.get(s)!;
            acc.workerdCpuS += router.cpuSeconds() - w0;
            acc.originCalls += originCalls(origin) - o0;
            acc.ok += res.ok;
            acc.errors += res.errors;
            acc.firstError ??= res.firstError;
            acc.elapsedMs += res.elapsedMs;
            for (const x of res.latencyMs) acc.latencyMs.push(x);
            for (const x of res.ttftMs) acc.ttftMs.push(x);
            for (const [k, v] of Object.entries(res.headerCounts)) acc.headers[k] = (acc.headers[k] ?? 0) + v;
          }
        }
      } finally {
        for (const a of agents.values()) a.destroy();
      }
      for (const s of group) rows.push({ s, t: totals.get(s)! });
    }
  }
  const loadS = (performance.now() - t0) / 1000;
  signal.throwIfAborted();


  const usage = JSON.parse(
    await (
      await fetch(`${router.url}/v1/chat/completions`, {
        method: "POST",
        headers: { authorization: `Bearer ${TENANTS.nocache.key}`, "content-type": "application/json" },
        body: body(PROMPT, false, config.maxTokens),
      })
    ).text(),
  ) as { usage?: { prompt_tokens: number; completion_tokens: number } };

  console.log(`Router:  ${router.description}`);
  console.log(`         ${router.url}, tenants: ${TENANTS.nocache.id} (no cache settings), ${TENANTS.json.id} and ${TENANTS.sse.id} (exact + semantic, default threshold ${DEFAULT_THRESHOLD})`);
  console.log(`Origin:  fleet startOrigin, profile llama-8b, speed ${config.fleetSpeed} (1 = H100 pace), in the bench process`);
  console.log(
    `Request: POST /v1/chat/completions, temperature 0, max_tokens ${config.maxTokens} (${usage.usage?.prompt_tokens ?? "?"} prompt + ${usage.usage?.completion_tokens ?? "?"} completion tokens); streams with include_usage`,
  );
  const per = config.requests !== undefined ? `${config.requests} requests` : `${config.cacheSeconds} s`;
  console.log(
    `Method:  closed loop; per (form, concurrency) a ${fmt(warmupS, 2)} s warm-up per scenario, then ${per} per scenario in ${config.rounds} alternating rounds`,
  );
  for (const form of ["json", "sse"] as const) {
    const e = exactChecks[form];
    if (e) console.log(`Exact (${form}): "${EXACT_PROMPT}" stored by one request (${e.headers[0]}), checked: ${e.headers[1]}; measured >= ${EXACT_SETTLE_MS / 1000} s later`);
    const p = pools[form];
    if (p) console.log(`Semantic (${form}): ${TOPICS.length} "Can you X?" stored one after another; ${p.prompts.length} of ${p.checked} paraphrases ("X.", "I'd like you to X.") answered hit-semantic and make the pool`);
    for (const r of p?.rejected ?? []) console.log(`  rejected: "${r.prompt}" -> ${r.header || "(no header)"}; in-process: ${r.verdict}`);
  }
  console.log(`Setup ${fmt(startupS, 1)} s (bundle, workerd, seeding); load ${fmt(loadS, 1)} s.`);
  console.log("");
  reportSimulator(simulator);
  console.log("");
  report(rows, simulatorShareOfMiss(simulator));
  console.log("");
  reportSteps(steps);
}

const formLabel = (f: Form) => (f === "sse" ? "stream" : "json");

/**
 * The simulated operations a miss makes, by the code (worker/cache): the exact
 * lookup finds the key in neither the Cache API nor KV; the answer and its
 * semantic record are each written to both. (Band lists are written at most
 * once per band per 1.5 s, and read from isolate memory here: left out.)
 */
const MISS_OPS: Partial<Record<SimulatedOp, number>> = { "cache-match-miss": 1, "kv-get-miss": 1, "cache-put": 2, "kv-put": 2 };

function simulatorShareOfMiss(costs: Record<SimulatedOp, number>): number {
  return Object.entries(MISS_OPS).reduce((sum, [op, n]) => sum + costs[op as SimulatedOp] * n!, 0);
}

function reportSimulator(costs: Record<SimulatedOp, number>): void {
  console.log("Miniflare's KV and Cache API simulators run inside the router's workerd: workerd CPU per operation, measured now by a trivial worker");
  console.log(table([{ title: "operation", align: "left" }, { title: "workerd CPU ms" }, { title: "per cache miss" }], SIMULATED_OPS.map((op) => [op, fmt(costs[op], 3), String(MISS_OPS[op] ?? 0)])));
  console.log(`A miss's simulated operations: ${fmt(simulatorShareOfMiss(costs), 2)} ms of workerd CPU that on Cloudflare is the KV and cache services', not the Worker's.`);
}

function report(rows: { s: Scenario; t: Totals }[], simulatorMs: number): void {
  const columns: Column[] = [
    { title: "scenario", align: "left" },
    { title: "form", align: "left" },
    { title: "c" },
    { title: "requests" },
    { title: "errors" },
    { title: "req/s" },
    { title: "p50 ms" },
    { title: "p99 ms" },
    { title: "p50 TTFT ms" },
    { title: "workerd ms/req" },
    { title: "workerd %" },
    { title: "origin calls/req" },
    { title: HEADER, align: "left" },
    { title: "share" },
  ];
  const lines = rows.map(({ s, t }) => {
    const n = t.ok + t.errors;
    const seconds = t.elapsedMs / 1000;
    const lat = summarize(t.latencyMs);
    return [
      s.label,
      formLabel(s.form),
      String(s.concurrency),
      String(n),
      String(t.errors),
      fmt(t.ok / seconds, 0),
      fmt(lat.p50, 2),
      fmt(lat.p99, 2),
      s.form === "sse" ? fmt(summarize(t.ttftMs).p50, 2) : "-",
      fmt((t.workerdCpuS * 1000) / n, 3),
      fmt((t.workerdCpuS / seconds) * 100, 0),
      fmt(t.originCalls / n, 3),
      s.expect,
      `${fmt(((t.headers[s.expect] ?? 0) / n) * 100, 1)}%`,
    ];
  });
  console.log("Per scenario. Latency: request sent to last body byte. workerd: CPU of the whole workerd process per request: Meridian");
  console.log("and Miniflare's KV and Cache API simulators, which run in it (on Cloudflare those are remote services; see bench/README.md).");
  console.log(`share: responses whose ${HEADER} is the expected value. origin calls/req: requests the origin saw (incl. aborted) per request.`);
  console.log(table(columns, lines));
  for (const { s, t } of rows) {
    const others = Object.entries(t.headers).filter(([k]) => k !== s.expect);
    if (others.length) console.log(`! ${s.id}: also ${others.map(([k, v]) => `${k || "(none)"} x${v}`).join(", ")}`);
    if (t.errors) console.log(`! ${s.id}: ${t.errors} failed, first: ${t.firstError}`);
  }
  console.log("");

  const diff: Column[] = [
    { title: "form", align: "left" },
    { title: "c" },
    { title: "miss cost p50 ms" },
    { title: "miss cost p99 ms" },
    { title: "miss cost CPU ms/req" },
    { title: "of it Meridian's (less simulators)" },
    { title: "exact/off p50" },
    { title: "exact/off p99" },
    { title: "exact/off CPU" },
    { title: "semantic/off p50" },
    { title: "semantic/off p99" },
    { title: "semantic/off CPU" },
    { title: "exact/off TTFT" },
    { title: "semantic/off TTFT" },
  ];
  const find = (form: Form, c: number, kind: Kind) => rows.find((r) => r.s.form === form && r.s.concurrency === c && r.s.kind === kind)?.t;
  const cpu = (t: Totals | undefined) => (t ? (t.workerdCpuS * 1000) / (t.ok + t.errors) : NaN);
  const lat = (t: Totals | undefined) => (t ? summarize(t.latencyMs) : { p50: NaN, p99: NaN });
  const ttft = (t: Totals | undefined) => (t ? summarize(t.ttftMs).p50 : NaN);
  const diffLines: string[][] = [];
  for (const form of ["json", "sse"] as const) {
    for (const c of CONCURRENCY) {
      const off = find(form, c, "nocache");
      if (!off) continue;
      const miss = find(form, c, "miss");
      const exact = find(form, c, "exact");
      const sem = find(form, c, "semantic");
      const stream = form === "sse";
      diffLines.push([
        formLabel(form),
        String(c),
        fmtSigned(lat(miss).p50 - lat(off).p50, 2),
        fmtSigned(lat(miss).p99 - lat(off).p99, 2),
        fmtSigned(cpu(miss) - cpu(off), 3),
        fmtSigned(cpu(miss) - cpu(off) - simulatorMs, 3),
        fmt(lat(exact).p50 / lat(off).p50, 2),
        fmt(lat(exact).p99 / lat(off).p99, 2),
        fmt(cpu(exact) / cpu(off), 2),
        fmt(lat(sem).p50 / lat(off).p50, 2),
        fmt(lat(sem).p99 / lat(off).p99, 2),
        fmt(cpu(sem) / cpu(off), 2),
        stream ? fmt(ttft(exact) / ttft(off), 2) : "-",
        stream ? fmt(ttft(sem) / ttft(off), 2) : "-",
      ]);
    }
  }
  console.log("Against the baseline (miss, cache off) of the same form and concurrency: miss cost = miss with the cache on minus it;");
  console.log("the others are ratios (below 1 = a hit is faster / cheaper than going to the origin without a cache).");
  console.log(table(diff, diffLines));
}

// ---- the semantic lookup's pure steps, in-process ---------------------------

/** How the index keeps a fingerprint, and how findSimilar turns each candidate back before verify(). */
type StoredRecord = ReturnType<typeof storedRecord>;
const toRecord = (fp: PromptFingerprint) => storedRecord("bench", fp);

interface Step {
  path: "hit" | "miss";
  label: string;
  samples: number[];
  call: () => number;
}

const STEP_BATCH = 50;
/** Measured milliseconds per step, over STEP_ROUNDS alternating rounds. */
const STEP_MS = 200;
const STEP_ROUNDS = 4;

function lookupSteps(wasm: Fingerprinter, reference: Fingerprinter, signal: AbortSignal): { steps: Step[]; setup: string[] } {
  // Hit: a paraphrase; among the 8 candidates, its stored prompt and 7 other topics'.
  const hitText = `I'd like you to ${TOPICS[0]}.`;
  const hitCandidates = TOPICS.slice(0, 8).map((t) => toRecord(wasm(cachedPrompt(t))));
  // Miss: a unique prompt of the miss scenario; its candidates are 8 stored ones that differ only in the number.
  const missText = `${PROMPT} (request 1000001)`;
  const missCandidates = Array.from({ length: 8 }, (_, i) => toRecord(wasm(`${PROMPT} (request ${900_001 + i})`)));
  const setup: string[] = [];
  const steps: Step[] = [];
  for (const [path, text, candidates] of [
    ["hit", hitText, hitCandidates],
    ["miss", missText, missCandidates],
  ] as const) {
    const fp = wasm(text);
    const verdicts: Verdict[] = candidates.map((r) => verify(fp, fromRecord(r), DEFAULT_THRESHOLD));
    const reasons = new Map<string, number>();
    for (const v of verdicts) reasons.set(v.reason, (reasons.get(v.reason) ?? 0) + 1);
    setup.push(`${path}: "${text}" against 8 candidates: ${[...reasons].map(([r, n]) => `${n} ${r}`).join(", ")}`);
    const verifyAll = (f: PromptFingerprint): number => {
      let hits = 0;
      for (const r of candidates) if (verify(f, fromRecord(r), DEFAULT_THRESHOLD).hit) hits++;
      return hits;
    };
    const cases: [string, () => number][] = [
      ["fingerprint, wasm", () => wasm(text).known],
      ["fingerprint, TS reference", () => reference(text).known],
      ["bands()", () => bands(fp.signature).length],
      ["verify() x8 (incl. record decode)", () => verifyAll(fp)],
      [
        "total: wasm + bands + verify x8",
        () => {
          const f = wasm(text);
          return bands(f.signature).length + verifyAll(f);
        },
      ],
    ];
    for (const [label, call] of cases) {
      warmUp(call, STEP_BATCH, 50);
      steps.push({ path, label, samples: [], call });
    }
  }
  // Alternating rounds, so drift and GC hit every step alike.
  for (let r = 0; r < STEP_ROUNDS && !signal.aborted; r++) {
    for (const step of r % 2 === 0 ? steps : [...steps].reverse()) {
      const deadline = performance.now() + STEP_MS / STEP_ROUNDS;
      do runBatches(step.call, STEP_BATCH, STEP_BATCH, step.samples);
      while (performance.now() < deadline);
    }
  }
  return { steps, setup };
}

function reportSteps({ steps, setup }: { steps: Step[]; setup: string[] }): void {
  console.log(
    `Semantic lookup steps in this Node process (V8 ${process.versions.v8}), without KV / Cache API reads: per call, batches of ${STEP_BATCH}, ${STEP_ROUNDS} alternating rounds.`,
  );
  for (const line of setup) console.log(`  ${line}`);
  const columns: Column[] = [{ title: "path", align: "left" }, { title: "step", align: "left" }, { title: "calls" }, { title: "p50 µs" }, { title: "p99 µs" }];
  console.log(
    table(
      columns,
      steps.map((s, i) => {
        const sum = summarize(s.samples);
        return [i === 0 || steps[i - 1]!.path !== s.path ? s.path : "", s.label, String(s.samples.length * STEP_BATCH), fmt(sum.p50, 2), fmt(sum.p99, 2)];
      }),
    ),
  );
  if (sinkValue() === 0) console.log("(no work recorded?)");
}

export const cache: Suite = { id: "cache", name: "response cache", scenarios: SCENARIOS.map((s) => s.id), run };
