// `npx tsx bench/load/batch.ts`: does a batch run on idle capacity without
// hurting interactive latency? One router (workerd, harness/router.ts) and four
// fleet origins publishing vLLM-style /metrics in four time zones. Interactive
// traffic (streamed chats at LOAD_BATCH_RPS from a PoP on the US east coast)
// runs without a break; batches of LOAD_BATCH_LINES lines run through the
// Batch API one after another with LOAD_BATCH_GAP_SECONDS of no batch before,
// between and after them (LOAD_BATCH_ROUNDS of them). Each interactive request
// counts as "with batch" when it was sent while a batch ran, else "without":
// interleaved, so the machine's own drift (other processes) falls on both
// alike. Prints interactive TTFT p50/p99 with and without, the batches' lines/s
// and completion times. Exits 1 if a batch did not complete, a request failed,
// or interactive p99 TTFT with a batch was more than 10% above without.
import { performance } from "node:perf_hooks";
import { startOrigin } from "../../fleet/server";
import { AdminClient } from "../../harness/admin-client";
import { startRouter } from "../../harness/router";
import { sendChat, type ChatResult } from "../lib/chat-client";
import { keepAliveAgent } from "../lib/load";
import { fmt, summarize, table } from "../lib/stats";

const ADMIN_TOKEN = "load-admin-token-0123456789abcdefgh";
const RPS = Number(process.env.LOAD_BATCH_RPS ?? 8);
/**
 * Diagnostic: `1` keeps the batch off the origin the interactive traffic uses (the batcher's rules
 * alias its model to the other three), to tell the engines' share of any slowdown from the router's.
 */
const AWAY = process.env.LOAD_BATCH_AWAY === "1";
const BATCH_MODEL = AWAY ? "far-8b" : "llama-8b";
/** LOAD_BATCH_PROMPT_WORDS (default 0) words of context before each interactive question: prompts of a realistic length. */
const CONTEXT = Array.from({ length: Number(process.env.LOAD_BATCH_PROMPT_WORDS ?? 0) }, (_, i) => `w${i % 50}`).join(" ");
const GAP_SECONDS = Number(process.env.LOAD_BATCH_GAP_SECONDS ?? 20);
const ROUNDS = Number(process.env.LOAD_BATCH_ROUNDS ?? 3);
const WARMUP_SECONDS = Number(process.env.LOAD_BATCH_WARMUP_SECONDS ?? 8);
const LINES = Number(process.env.LOAD_BATCH_LINES ?? 1000);
const SPEED = Number(process.env.FLEET_SPEED ?? 2);
/** The batch's bounds (wrangler.toml's BATCH_MAX_IN_FLIGHT, BATCH_MAX_PER_ORIGIN) for this run. */
const MAX_IN_FLIGHT = process.env.BATCH_MAX_IN_FLIGHT ?? "32";
const MAX_PER_ORIGIN = process.env.BATCH_MAX_PER_ORIGIN ?? "8";
const POP = "39.04,-77.49";
const PRICE = { input_per_m: 0.1, output_per_m: 0.2 };
const INTERACTIVE = { id: "interactive", key: "sk-meridian-load-interactive-0123456789abcdef" };
const BATCHER = { id: "batcher", key: "sk-meridian-load-batcher-0123456789abcdef0123" };

// Four engines a quarter of the world apart: whatever the hour, one or two are in their night.
const FLEET = [
  { id: "gpu-ashburn", region: "enam", lat: 39.04, lon: -77.49 },
  { id: "gpu-frankfurt", region: "weur", lat: 50.1, lon: 8.7 },
  { id: "gpu-singapore", region: "apac", lat: 1.35, lon: 103.8 },
  { id: "gpu-sydney", region: "oc", lat: -33.9, lon: 151.2 },
] as const;

interface Timed {
  sentAt: number;
  result: ChatResult;
}

/** Sends interactive requests at RPS until `stop()` is called; resolves with every answer. */
function interactive(url: string, first: number): { stop(): void; done: Promise<Timed[]> } {
  let stopped = false;
  const done = (async () => {
    const agent = keepAliveAgent(256);
    const pending: Promise<Timed>[] = [];
    const start = performance.now();
    for (let i = 0; !stopped; i++) {
      const wait = start + (i * 1000) / RPS - performance.now();
      if (wait > 0) await new Promise((r) => setTimeout(r, wait));
      const n = first + i;
      const body = { model: "llama-8b", stream: true, max_tokens: 24, messages: [{ role: "user", content: `${CONTEXT}\nInteractive question ${n}: explain item ${n % 97} briefly.` }] };
      const sentAt = Date.now();
      pending.push(sendChat({ routerUrl: url, headers: { authorization: `Bearer ${INTERACTIVE.key}`, "x-meridian-dev-location": POP }, body, agent, retryStaleSocket: true }).then((result) => ({ sentAt, result })));
    }
    const sent = await Promise.all(pending);
    agent.destroy();
    return sent;
  })();
  return { stop: () => void (stopped = true), done };
}

async function api(url: string, key: string, method: string, path: string, body?: unknown): Promise<any> {
  const init: RequestInit = { method, headers: { authorization: `Bearer ${key}` } };
  if (body instanceof FormData) init.body = body;
  else if (body !== undefined) {
    init.body = JSON.stringify(body);
    (init.headers as Record<string, string>)["content-type"] = "application/json";
  }
  const res = await fetch(`${url}/v1${path}`, init);
  const text = await res.text();
  if (!res.ok) throw new Error(`${method} ${path} -> ${res.status} ${text}`);
  return path.endsWith("/content") ? text : JSON.parse(text);
}

interface BatchRun {
  id: string;
  createdAt: number;
  doneAt: number;
  status: string;
  counts: { total: number; completed: number; failed: number };
  /** Lines answered per origin (from the output file's x-meridian answers: the usage record's origin). */
  paused: number;
}

/** Uploads the batch's input file (before the measured window: the upload is the client's, not the dispatch). */
async function uploadBatch(url: string): Promise<string> {
  const lines = Array.from({ length: LINES }, (_, i) =>
    JSON.stringify({ custom_id: `line-${i}`, method: "POST", url: "/v1/chat/completions", body: { model: BATCH_MODEL, max_tokens: 48, messages: [{ role: "user", content: `Batch document ${i}: summarise it.` }] } }),
  );
  const form = new FormData();
  form.set("purpose", "batch");
  form.set("file", new File([lines.join("\n")], "load.jsonl"));
  return (await api(url, BATCHER.key, "POST", "/files", form)).id as string;
}

async function startBatch(url: string, fileId: string): Promise<{ id: string; createdAt: number }> {
  const createdAt = Date.now();
  const batch = await api(url, BATCHER.key, "POST", "/batches", { input_file_id: fileId, endpoint: "/v1/chat/completions", completion_window: "24h" });
  return { id: batch.id, createdAt };
}

/** Polls the batch every 250 ms until it is final; counts the polls that found it paused. */
async function waitBatch(url: string, id: string, createdAt: number, until: number): Promise<BatchRun> {
  let paused = 0;
  for (;;) {
    const b = await api(url, BATCHER.key, "GET", `/batches/${id}`);
    if (b.meridian?.paused) paused++;
    if (["completed", "failed", "expired", "cancelled"].includes(b.status) || Date.now() > until) {
      return { id, createdAt, doneAt: Date.now(), status: b.status, counts: b.request_counts, paused };
    }
    await new Promise((r) => setTimeout(r, 250));
  }
}

function ttft(sent: readonly Timed[]): { p50: number; p99: number; n: number } {
  const s = summarize(sent.filter((t) => t.result.outcome === "ok").map((t) => t.result.ttftMs));
  return { p50: s.p50, p99: s.p99, n: sent.length };
}

async function main(): Promise<number> {
  const origins = await Promise.all(FLEET.map((f) => startOrigin({ id: f.id, models: ["llama-8b"], profile: "llama-8b", speed: SPEED })));
  const router = await startRouter({ adminToken: ADMIN_TOKEN, vars: { ENGINE_LOAD_MS: "500", BATCH_MAX_IN_FLIGHT: MAX_IN_FLIGHT, BATCH_MAX_PER_ORIGIN: MAX_PER_ORIGIN } });
  try {
    const admin = new AdminClient(router.url, ADMIN_TOKEN);
    for (const [i, f] of FLEET.entries()) {
      await admin.call("PUT", `/origins/${f.id}`, { base_url: origins[i]!.baseUrl, region: f.region, lat: f.lat, lon: f.lon, models: { "llama-8b": "llama-8b" }, price: PRICE, metrics: { format: "vllm" } });
    }
    for (const t of [INTERACTIVE, BATCHER]) {
      await admin.call("PUT", `/tenants/${t.id}`, { name: t.id });
      await admin.call("POST", `/tenants/${t.id}/keys`, { name: "load", key: t.key });
    }
    if (AWAY) await admin.call("PUT", `/tenants/${BATCHER.id}/rules`, { aliases: { "far-8b": { targets: [{ model: "llama-8b", origins: ["gpu-frankfurt", "gpu-singapore", "gpu-sydney"] }] } } });
    const hour = new Date().getUTCHours();
    console.log(
      `Batch load run: ${router.description}\n${RPS} interactive requests/s without a break; ${ROUNDS} batches of ${LINES} lines one after another, ${GAP_SECONDS} s of no batch before, between and after; ` +
        `4 origins (llama-8b at fleet speed ${SPEED}), UTC hour ${hour}; batch at most ${MAX_IN_FLIGHT} lines in flight, ${MAX_PER_ORIGIN} per origin${AWAY ? "; batch kept off gpu-ashburn (LOAD_BATCH_AWAY)" : ""}\n`,
    );
    const warm = interactive(router.url, 0);
    await sleep(WARMUP_SECONDS * 1000);
    warm.stop();
    await warm.done;
    const fileId = await uploadBatch(router.url);

    const load = interactive(router.url, 100_000);
    const runs: BatchRun[] = [];
    let cpuWith = 0;
    const cpuStart = router.cpuSeconds();
    for (let r = 0; r < ROUNDS; r++) {
      await sleep(GAP_SECONDS * 1000);
      const cpu = router.cpuSeconds();
      const batch = await startBatch(router.url, fileId);
      runs.push(await waitBatch(router.url, batch.id, batch.createdAt, Date.now() + 600_000));
      cpuWith += router.cpuSeconds() - cpu;
    }
    await sleep(GAP_SECONDS * 1000);
    load.stop();
    const sent = await load.done;
    const cpuAll = router.cpuSeconds() - cpuStart;

    const during = (t: Timed) => runs.some((r) => t.sentAt >= r.createdAt && t.sentAt < r.doneAt);
    const withBatch = sent.filter(during);
    const without = sent.filter((t) => !during(t));
    const a = ttft(without);
    const b = ttft(withBatch);
    const withSeconds = runs.reduce((n, r) => n + (r.doneAt - r.createdAt) / 1000, 0);
    const withoutSeconds = (sent.at(-1)!.sentAt - sent[0]!.sentAt) / 1000 - withSeconds;
    const rows = [
      ["without batch", String(a.n), fmt(a.p50, 1), fmt(a.p99, 1), "-", "-", "-"],
      ...runs.map((r, i) => {
        const s = (r.doneAt - r.createdAt) / 1000;
        const own = ttft(sent.filter((t) => t.sentAt >= r.createdAt && t.sentAt < r.doneAt));
        return [`with batch ${i + 1}`, String(own.n), fmt(own.p50, 1), fmt(own.p99, 1), fmt(r.counts.completed / s, 1), fmt(s, 1), `${r.status} ${r.counts.completed}/${r.counts.total}`];
      }),
      ["with batch (all)", String(b.n), fmt(b.p50, 1), fmt(b.p99, 1), fmt((LINES * runs.length) / withSeconds, 1), fmt(withSeconds / runs.length, 1), ""],
    ];
    console.log(
      table(
        [{ title: "interactive traffic", align: "left" }, { title: "requests" }, { title: "TTFT p50 ms" }, { title: "TTFT p99 ms" }, { title: "batch lines/s" }, { title: "batch completion s" }, { title: "batch", align: "left" }],
        rows,
      ),
    );
    console.log(`\nworkerd CPU (share of one core): with a batch ${fmt(cpuWith / withSeconds, 2)}, without ${fmt((cpuAll - cpuWith) / withoutSeconds, 2)}`);
    console.log(`batches seen paused (every origin busy with interactive traffic) in ${runs.reduce((n, r) => n + r.paused, 0)} of their polls`);
    const failures: string[] = [];
    const errors = sent.filter((t) => t.result.outcome !== "ok");
    if (errors.length) failures.push(`${errors.length} interactive requests failed, e.g. ${errors[0]!.result.detail}`);
    for (const r of runs) if (r.status !== "completed" || r.counts.completed !== LINES) failures.push(`batch ${r.id} ended ${r.status} with ${r.counts.completed}/${LINES} lines`);
    console.log(`interactive p99 TTFT with a batch: ${fmt(((b.p99 - a.p99) / a.p99) * 100, 1)}% against without (limit +10%)`);
    if (!(b.p99 <= a.p99 * 1.1)) failures.push(`interactive p99 TTFT rose from ${fmt(a.p99, 1)} to ${fmt(b.p99, 1)} ms`);
    console.log(failures.length ? `FAILED:\n  ${failures.join("\n  ")}` : "The batches finished on spare capacity; interactive latency held.");
    return failures.length ? 1 : 0;
  } finally {
    await router.stop();
    await Promise.all(origins.map((o) => o.close()));
  }
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

process.exit(
  await main().catch((err: unknown) => {
    console.error(err instanceof Error ? (err.stack ?? err.message) : err);
    return 1;
  }),
);
