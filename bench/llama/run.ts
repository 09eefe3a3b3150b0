// `npm run test:engine`: Meridian in front of real llama.cpp inference.
// Writes a tiny random-weight GGUF (bench/llama/tiny-model.ts), serves it with
// node-llama-cpp on one CPU thread (bench/llama/server.ts, its own process), routes
// a tenant to it through one workerd running Meridian (harness/router.ts),
// and drives both with the official `openai` SDK. Checks, and prints a table:
// - a seeded stream through Meridian carries exactly the text the engine
//   streams directly, chunk by chunk as generated, with the engine's usage;
// - JSON answers, a repeat answered from Meridian's cache, and concurrent
//   streams queued by the engine all arrive whole;
// - Meridian's usage read-out counts the tokens the engine reported.
// Exits 1 if any check fails. LLAMA_PORT (default 0: any free port).

import { spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { performance } from "node:perf_hooks";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";
import OpenAI from "openai";
import { AdminClient } from "../../harness/admin-client";
import { startRouter } from "../../harness/router";
import { fmt, summarize, table } from "../lib/stats";
import { DEFAULT_SHAPE, tinyModelFile } from "./tiny-model";

const ADMIN_TOKEN = "engine-admin-token-0123456789abcdef";
const TENANT = { id: "engine", key: "mk-engine-0123456789abcdef0123456789abcdef" };
const MODEL = "tiny-llama";
/** The same engine registered a second time without `stream_relay: "native"`: streams through the checked relay. */
const MODEL_CHECKED = "tiny-llama-checked";
const MAX_TOKENS = 64;
const CONCURRENT = 4;
/** Alternating direct / through-Meridian streams for the timing table (LLAMA_ROUNDS). */
const ROUNDS = Number(process.env.LLAMA_ROUNDS ?? 50);
const SERVER = fileURLToPath(new URL("./server.ts", import.meta.url));
const TSX = fileURLToPath(new URL("../../node_modules/tsx/dist/cli.mjs", import.meta.url));

interface Streamed {
  text: string;
  ttftMs: number;
  totalMs: number;
  chunks: number;
  /** Distinct milliseconds in which content arrived: 1 would mean buffered, not streamed. */
  arrivalMs: number;
  completionTokens: number | null;
  headers: Headers;
}

async function stream(client: OpenAI, prompt: string, headers: Record<string, string> = {}, model = MODEL): Promise<Streamed> {
  const started = performance.now();
  const { data, response } = await client.chat.completions
    .create(
      { model, messages: [{ role: "user", content: prompt }], max_tokens: MAX_TOKENS, temperature: 0.8, seed: 42, stream: true, stream_options: { include_usage: true } },
      { headers },
    )
    .withResponse();
  let text = "";
  let ttftMs = NaN;
  let chunks = 0;
  let completionTokens: number | null = null;
  const arrivals = new Set<number>();
  for await (const chunk of data) {
    const piece = chunk.choices[0]?.delta?.content;
    if (piece) {
      const at = performance.now() - started;
      if (!chunks) ttftMs = at;
      chunks++;
      arrivals.add(Math.floor(at));
      text += piece;
    }
    if (chunk.usage) completionTokens = chunk.usage.completion_tokens;
  }
  return { text, ttftMs, totalMs: performance.now() - started, chunks, arrivalMs: arrivals.size, completionTokens, headers: response.headers };
}

/** Starts bench/llama/server.ts in its own process and waits for its LLAMA_READY line. */
async function startEngine(modelPath: string): Promise<{ url: string; model: string; loadMs: number; child: ChildProcess }> {
  const child = spawn(process.execPath, [TSX, SERVER, modelPath], { env: { ...process.env, PORT: process.env.LLAMA_PORT ?? "0" }, stdio: ["ignore", "pipe", "inherit"] });
  const lines = createInterface({ input: child.stdout! });
  const ready = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error("llama server did not start within 60 s")), 60_000);
    child.once("exit", (code) => reject(new Error(`llama server exited with ${code}`)));
    lines.on("line", (line) => {
      if (!line.startsWith("LLAMA_READY ")) return;
      clearTimeout(timer);
      resolve(line.slice("LLAMA_READY ".length));
    });
  });
  return { ...(JSON.parse(ready) as { url: string; model: string; loadMs: number }), child };
}

interface UsageTotals {
  requests: number;
  output_tokens: number;
  cache_hits: number;
}

/** The tenant's usage totals once `requests` have been metered (usage arrives in batches), or at the deadline. */
async function meteredUsage(admin: AdminClient, requests: number, deadline: number): Promise<UsageTotals> {
  for (;;) {
    const { totals } = await admin.call<{ totals: UsageTotals }>("GET", `/tenants/${TENANT.id}/usage`);
    if (totals.requests >= requests || Date.now() > deadline) return totals;
    await new Promise((r) => setTimeout(r, 200));
  }
}

async function main(): Promise<number> {
  if (process.platform !== "linux" || process.arch !== "x64") {
    console.error(`test:engine installs node-llama-cpp's linux-x64 CPU build; on ${process.platform}-${process.arch} install its matching @node-llama-cpp package in bench/llama/ instead.`);
    return 2;
  }
  const dir = mkdtempSync(join(tmpdir(), "meridian-llama-"));
  const modelPath = join(dir, "tiny-random.gguf");
  let madeMs = performance.now();
  const file = tinyModelFile();
  writeFileSync(modelPath, file);
  madeMs = performance.now() - madeMs;

  const engine = await startEngine(modelPath);
  const router = await startRouter({ adminToken: ADMIN_TOKEN }).catch(async (err: unknown) => {
    engine.child.kill();
    throw err;
  });
  try {
    const admin = new AdminClient(router.url, ADMIN_TOKEN);
    await admin.call("PUT", "/origins/llama-cpu", {
      base_url: `${engine.url}/v1`,
      region: "enam",
      lat: 39.04,
      lon: -77.49,
      models: { [MODEL]: engine.model },
      price: { input_per_m: 0.02, output_per_m: 0.04 },
      // The operator's own engine: its streams pass through natively when the request allows (docs/operations.md).
      stream_relay: "native",
    });
    await admin.call("PUT", "/origins/llama-cpu-checked", {
      base_url: `${engine.url}/v1`,
      region: "enam",
      lat: 39.04,
      lon: -77.49,
      models: { [MODEL_CHECKED]: engine.model },
      price: { input_per_m: 0.02, output_per_m: 0.04 },
    });
    await admin.call("PUT", `/tenants/${TENANT.id}`, { name: "Engine test" });
    await admin.call("POST", `/tenants/${TENANT.id}/keys`, { name: "engine", key: TENANT.key });
    await admin.call("PUT", `/tenants/${TENANT.id}/rules`, { cache: { exact: true, semantic: false, ttl_s: 600 } });

    const direct = new OpenAI({ baseURL: `${engine.url}/v1`, apiKey: "unused", maxRetries: 0 });
    // Sampled answers are cached only when the client asks (x-meridian-cache: on).
    const meridian = new OpenAI({ baseURL: `${router.url}/v1`, apiKey: TENANT.key, maxRetries: 0, defaultHeaders: { "x-meridian-cache": "on" } });
    const prompt = "Tell me about the weather in Lisbon in November.";

    // Warm both paths once with another prompt, so the figures below are steady-state.
    await stream(direct, "warm up");
    const warmUp = await stream(meridian, "warm up");

    const viaEngine = await stream(direct, prompt);
    const viaMeridian = await stream(meridian, prompt);
    const jsonStarted = performance.now();
    const json = await meridian.chat.completions.create({ model: MODEL, messages: [{ role: "user", content: "And in Porto?" }], max_tokens: MAX_TOKENS, temperature: 0.8, seed: 7 });
    const jsonMs = performance.now() - jsonStarted;
    const concurrent = await Promise.all(Array.from({ length: CONCURRENT }, (_, i) => stream(meridian, `Concurrent request ${i}: what is a GGUF file?`)));
    // By now the first stream's cache entry (written after it ended) is in KV.
    const cached = await stream(meridian, prompt);
    const answered = [warmUp, viaMeridian, cached, ...concurrent].map((x) => x.completionTokens ?? 0);
    const clientTokens = answered.reduce((a, b) => a + b, json.usage?.completion_tokens ?? 0);
    const metered = await meteredUsage(admin, answered.length + 1, Date.now() + 15_000);

    // Timing: the same seeded stream, alternately straight from the engine and through Meridian (cache bypassed).
    const timed = { direct: [] as Streamed[], meridian: [] as Streamed[], checked: [] as Streamed[] };
    for (let i = 0; i < ROUNDS; i++) {
      timed.direct.push(await stream(direct, prompt));
      timed.meridian.push(await stream(meridian, prompt, { "x-meridian-cache": "bypass" }));
      timed.checked.push(await stream(meridian, prompt, { "x-meridian-cache": "bypass" }, MODEL_CHECKED));
    }

    console.log(
      `Real llama.cpp origin: ${file.length.toLocaleString("en")} byte GGUF (llama, ${DEFAULT_SHAPE.layers} layers, ${DEFAULT_SHAPE.embd} wide, random weights) written in ${fmt(madeMs, 0)} ms, ` +
        `loaded by node-llama-cpp on 1 CPU thread in ${engine.loadMs} ms; Meridian: ${router.description}\n`,
    );
    console.log(`${ROUNDS} alternating streams each, ${MAX_TOKENS} tokens, openai SDK:\n`);
    const timingRow = (path: string, runs: readonly Streamed[]): string[] => {
      const ttft = summarize(runs.map((r) => r.ttftMs));
      const total = summarize(runs.map((r) => r.totalMs));
      const rate = summarize(runs.map((r) => (r.completionTokens ?? 0) / (r.totalMs / 1000)));
      return [path, fmt(ttft.p50, 1), fmt(ttft.p99, 1), fmt(total.p50, 1), fmt(total.p99, 1), fmt(rate.p50, 0)];
    };
    const added = (runs: readonly Streamed[], pick: (r: Streamed) => number): string => fmt(summarize(runs.map(pick)).p50 - summarize(timed.direct.map(pick)).p50, 1);
    const rate = (runs: readonly Streamed[]) => summarize(runs.map((r) => (r.completionTokens ?? 0) / (r.totalMs / 1000))).p50;
    console.log(
      table(
        [
          { title: "path", align: "left" },
          { title: "TTFT p50 ms" },
          { title: "TTFT p99 ms" },
          { title: "total p50 ms" },
          { title: "total p99 ms" },
          { title: "tokens/s p50" },
        ],
        [
          timingRow("engine directly", timed.direct),
          timingRow("through Meridian, native relay", timed.meridian),
          timingRow("through Meridian, checked relay", timed.checked),
          ["added, native relay (p50)", added(timed.meridian, (r) => r.ttftMs), "", added(timed.meridian, (r) => r.totalMs), "", `${fmt((rate(timed.meridian) / rate(timed.direct)) * 100, 0)}% of direct`],
          ["added, checked relay (p50)", added(timed.checked, (r) => r.ttftMs), "", added(timed.checked, (r) => r.totalMs), "", `${fmt((rate(timed.checked) / rate(timed.direct)) * 100, 0)}% of direct`],
        ],
      ),
    );
    const c = { ttft: summarize(concurrent.map((r) => r.ttftMs)), total: summarize(concurrent.map((r) => r.totalMs)) };
    console.log("");
    console.log(
      table(
        [{ title: "also through Meridian", align: "left" }, { title: "TTFT ms" }, { title: "total ms" }, { title: "", align: "left" }],
        [
          ["first stream", fmt(viaMeridian.ttftMs, 1), fmt(viaMeridian.totalMs, 1), `origin ${viaMeridian.headers.get("x-meridian-origin")}, cache ${viaMeridian.headers.get("x-meridian-cache")}, content in ${viaMeridian.arrivalMs} distinct ms`],
          ["the same request again", fmt(cached.ttftMs, 1), fmt(cached.totalMs, 1), `cache ${cached.headers.get("x-meridian-cache")}`],
          ["JSON", "-", fmt(jsonMs, 1), `finish_reason ${json.choices[0]?.finish_reason}`],
          [`${CONCURRENT} concurrent streams, p50 / max`, `${fmt(c.ttft.p50, 0)} / ${fmt(c.ttft.max, 0)}`, `${fmt(c.total.p50, 0)} / ${fmt(c.total.max, 0)}`, "2 engine slots: the others queue"],
        ],
      ),
    );
    console.log(`\nstreamed text (seed 42): ${JSON.stringify(viaMeridian.text.slice(0, 60))}…`);

    const checks: [string, boolean][] = [
      ["the stream through Meridian has the engine's text", viaMeridian.text === viaEngine.text && viaEngine.text.length > 0],
      ["it arrived incrementally (content in more than one millisecond)", viaMeridian.arrivalMs > 1],
      [`usage reached the client (${MAX_TOKENS} completion tokens)`, viaMeridian.completionTokens === MAX_TOKENS],
      ["the repeat came from Meridian's cache with the same text", (cached.headers.get("x-meridian-cache") ?? "").startsWith("hit") && cached.text === viaEngine.text],
      ["the JSON answer is whole", json.choices[0]?.finish_reason === "length" && json.usage?.completion_tokens === MAX_TOKENS],
      ["every concurrent stream is whole", concurrent.every((r) => r.completionTokens === MAX_TOKENS && r.text.length > 0)],
      ["every timed stream through Meridian has the engine's text, through either relay", [...timed.meridian, ...timed.checked].every((r) => r.text === viaEngine.text)],
      [`the timed native streams came from the engine's native origin`, timed.meridian.every((r) => r.headers.get("x-meridian-origin") === "llama-cpu")],
      [
        `Meridian metered every answer: ${metered.requests} requests (${metered.cache_hits} from cache), ${metered.output_tokens} output tokens; clients saw ${clientTokens}`,
        metered.requests === answered.length + 1 && metered.output_tokens === clientTokens && metered.cache_hits === 1,
      ],
    ];
    console.log("");
    for (const [what, ok] of checks) console.log(`${ok ? "ok  " : "FAIL"} ${what}`);
    return checks.every(([, ok]) => ok) ? 0 : 1;
  } finally {
    await router.stop();
    engine.child.kill("SIGTERM");
    rmSync(dir, { recursive: true, force: true });
  }
}

process.exit(
  await main().catch((err: unknown) => {
    console.error(err instanceof Error ? (err.stack ?? err.message) : err);
    return 1;
  }),
);
