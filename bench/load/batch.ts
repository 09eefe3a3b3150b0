// `npm run load:batch`: does a batch run on idle capacity without hurting
// interactive latency? One router (workerd, harness/router.ts) and four fleet
// origins publishing vLLM-style /metrics in four time zones. Interactive
// traffic (streamed chats at LOAD_BATCH_RPS from a PoP on the US east coast)
// runs three times for LOAD_BATCH_SECONDS: alone, beside a batch of
// LOAD_BATCH_LINES lines running through the Batch API, and alone again once
// the batch is done (the two runs without it bracket the one with it, so the
// machine's own drift shows in both). Prints interactive TTFT (p50/p99, over
// the whole window and over the part the batch was running), the batch's
// lines/s and completion time. Exits 1 if the batch did not complete, any
// request failed, or interactive p99 TTFT while the batch ran was more than
// 10% above the runs without it.

import { performance } from "node:perf_hooks";
import { startOrigin } from "../../fleet/server";
import { AdminClient } from "../../harness/admin-client";
import { startRouter } from "../../harness/router";
import { sendChat, type ChatResult } from "../lib/chat-client";
import { keepAliveAgent } from "../lib/load";
import { fmt, summarize, table } from "../lib/stats";

const ADMIN_TOKEN = "load-admin-token-0123456789abcdefgh";
const RPS = Number(process.env.LOAD_BATCH_RPS ?? 8);
const SECONDS = Number(process.env.LOAD_BATCH_SECONDS ?? 30);
const WARMUP_SECONDS = Number(process.env.LOAD_BATCH_WARMUP_SECONDS ?? 8);
const LINES = Number(process.env.LOAD_BATCH_LINES ?? 1000);
const SPEED = Number(process.env.FLEET_SPEED ?? 2);
/** The batch's bounds (wrangler.toml's BATCH_MAX_IN_FLIGHT, BATCH_MAX_PER_ORIGIN) for this run. */
const MAX_IN_FLIGHT = process.env.BATCH_MAX_IN_FLIGHT ?? "32";
const MAX_PER_ORIGIN = process.env.BATCH_MAX_PER_ORIGIN ?? "4";
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

async function interactive(url: string, seconds: number, first: number): Promise<Timed[]> {
  const agent = keepAliveAgent(256);
  const total = Math.round(seconds * RPS);
  const pending: Promise<Timed>[] = [];
  const start = performance.now();
  for (let i = 0; i < total; i++) {
    const wait = start + (i * 1000) / RPS - performance.now();
    if (wait > 0) await new Promise((r) => setTimeout(r, wait));
    const n = first + i;
    const body = { model: "llama-8b", stream: true, max_tokens: 24, messages: [{ role: "user", content: `Interactive question ${n}: explain item ${n % 97} briefly.` }] };
    const sentAt = Date.now();
    pending.push(sendChat({ routerUrl: url, headers: { authorization: `Bearer ${INTERACTIVE.key}`, "x-meridian-dev-location": POP }, body, agent, retryStaleSocket: true }).then((result) => ({ sentAt, result })));
  }
  const sent = await Promise.all(pending);
  agent.destroy();
  return sent;
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
    JSON.stringify({ custom_id: `line-${i}`, method: "POST", url: "/v1/chat/completions", body: { model: "llama-8b", max_tokens: 48, messages: [{ role: "user", content: `Batch document ${i}: summarise it.` }] } }),
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
    const hour = new Date().getUTCHours();
    console.log(`Batch load run: ${router.description}\n${RPS} interactive requests/s for ${SECONDS} s alone, then ${SECONDS} s beside a batch of ${LINES} lines; 4 origins (llama-8b at fleet speed ${SPEED}), UTC hour ${hour}; batch at most ${MAX_IN_FLIGHT} lines in flight, ${MAX_PER_ORIGIN} per origin\n`);

    await interactive(router.url, WARMUP_SECONDS, 0);
    const cpu0 = router.cpuSeconds();
    const alone = await interactive(router.url, SECONDS, 100_000);
    const cpu1 = router.cpuSeconds();

    const fileId = await uploadBatch(router.url);
    const batch = await startBatch(router.url, fileId);
    const polling = waitBatch(router.url, batch.id, batch.createdAt, Date.now() + 600_000);
    const beside = await interactive(router.url, SECONDS, 200_000);
    const cpu2 = router.cpuSeconds();
    const run = await polling;
    const cpu3 = router.cpuSeconds();
    const after = await interactive(router.url, SECONDS, 300_000);
    const cpu4 = router.cpuSeconds();

    const during = beside.filter((t) => t.sentAt < run.doneAt);
    const seconds = (run.doneAt - run.createdAt) / 1000;
    const a = ttft([...alone, ...after]);
    const a1 = ttft(alone);
    const a2 = ttft(after);
    const b = ttft(beside);
    const d = ttft(during);
    const rows = [
      ["without batch (before)", String(a1.n), fmt(a1.p50, 1), fmt(a1.p99, 1), "-", "-", "-"],
      ["without batch (after)", String(a2.n), fmt(a2.p50, 1), fmt(a2.p99, 1), "-", "-", "-"],
      ["without batch (both)", String(a.n), fmt(a.p50, 1), fmt(a.p99, 1), "-", "-", "-"],
      ["with batch (whole window)", String(b.n), fmt(b.p50, 1), fmt(b.p99, 1), fmt(run.counts.completed / seconds, 1), fmt(seconds, 1), `${run.status} ${run.counts.completed}/${run.counts.total}`],
      ["with batch (while it ran)", String(d.n), fmt(d.p50, 1), fmt(d.p99, 1), "", "", ""],
    ];
    console.log(
      table(
        [{ title: "run", align: "left" }, { title: "interactive requests" }, { title: "TTFT p50 ms" }, { title: "TTFT p99 ms" }, { title: "batch lines/s" }, { title: "batch completion s" }, { title: "batch", align: "left" }],
        rows,
      ),
    );
    // TTFT over time: noise from the machine shows in both runs alike, an effect of the batch only beside it.
    const buckets = (sent: readonly Timed[]) => {
      const t0 = sent[0]!.sentAt;
      const out: string[] = [];
      for (let s = 0; s < SECONDS; s += 5) {
        const part = ttft(sent.filter((t) => t.sentAt - t0 >= s * 1000 && t.sentAt - t0 < (s + 5) * 1000));
        out.push(`${fmt(part.p50, 0)}/${fmt(part.p99, 0)}`);
      }
      return out;
    };
    console.log(`\nTTFT p50/p99 ms per 5 s\n  before:     ${buckets(alone).join("  ")}\n  with batch: ${buckets(beside).join("  ")}\n  after:      ${buckets(after).join("  ")}`);
    const answeredBy = (sent: readonly Timed[]) => {
      const by = new Map<string, number>();
      for (const t of sent) by.set(String(t.result.headers["x-meridian-origin"]), (by.get(String(t.result.headers["x-meridian-origin"])) ?? 0) + 1);
      return [...by].map(([o, n]) => `${o} ${n}`).join(", ");
    };
    console.log(`interactive answered by: before ${answeredBy(alone)}; with batch ${answeredBy(beside)}`);
    console.log(`workerd CPU (share of one core): before ${fmt((cpu1 - cpu0) / SECONDS, 2)}, with batch ${fmt((cpu2 - cpu1) / SECONDS, 2)}, batch tail ${fmt(cpu3 - cpu2, 1)} s, after ${fmt((cpu4 - cpu3) / SECONDS, 2)}`);
    const failures: string[] = [];
    const errors = [...alone, ...beside, ...after].filter((t) => t.result.outcome !== "ok");
    if (errors.length) failures.push(`${errors.length} interactive requests failed, e.g. ${errors[0]!.result.detail}`);
    if (run.status !== "completed" || run.counts.completed !== LINES) failures.push(`batch ended ${run.status} with ${run.counts.completed}/${LINES} lines`);
    const worst = d.n > 0 ? d.p99 : b.p99;
    console.log(`\ninteractive p99 TTFT with the batch: ${fmt(((worst - a.p99) / a.p99) * 100, 1)}% against the run without it (limit +10%); the batch was seen paused in ${run.paused} of its polls`);
    if (!(worst <= a.p99 * 1.1)) failures.push(`interactive p99 TTFT rose from ${fmt(a.p99, 1)} to ${fmt(worst, 1)} ms`);
    console.log(failures.length ? `FAILED:\n  ${failures.join("\n  ")}` : "The batch finished on spare capacity; interactive latency held.");
    return failures.length ? 1 : 0;
  } finally {
    await router.stop();
    await Promise.all(origins.map((o) => o.close()));
  }
}

process.exit(
  await main().catch((err: unknown) => {
    console.error(err instanceof Error ? (err.stack ?? err.message) : err);
    return 1;
  }),
);
