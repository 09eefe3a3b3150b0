// Prompt fingerprint cost: the wasm embedder the worker uses
// (worker/cache/embedder.ts over wasm/fingerprint.wasm) against the TypeScript
// reference, in this Node process, on 20-, 200- and 2,000-word prompts, next to
// the wasm's recorded cost before it counted the prompt markers; then the worker
// bundle's size as `wrangler deploy` would upload it.
//
// Node cannot import `.wasm`/`.bin` the way workerd does, so a module hook
// (below) gives embedder.ts exactly what wrangler's module rules give it: a
// compiled WebAssembly.Module and an ArrayBuffer. The adapter code measured is
// the worker's own.
//
// Runs as part of `npm run bench`, or alone: `npx tsx bench/suites/embedding.ts`.
// BENCH_EMBEDDING_SECONDS (default 1.5): measured seconds per size and implementation.

import { spawn } from "node:child_process";
import { mkdtemp, readdir, readFile, rm } from "node:fs/promises";
import { register } from "node:module";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { gzipSync } from "node:zlib";
import type { PromptFingerprint } from "../../worker/cache/fingerprint";
import { fmt, summarize, table, type Column } from "../lib/stats";
import type { Suite, SuiteContext } from "../lib/suite";

const ROOT = resolve(fileURLToPath(new URL("../..", import.meta.url)));
const WRANGLER = join(ROOT, "node_modules/wrangler/bin/wrangler.js");
/** Workers' limit on the compressed size of a worker (paid plan: 10 MB; free: 3 MB). */
const GZIP_LIMIT = 3 * 1024 * 1024;
const SIZES = [20, 200, 2000];
/** Measured time per (size, implementation); at least MIN_SAMPLES calls. */
const SECONDS_PER_CASE = Number(process.env.BENCH_EMBEDDING_SECONDS ?? 1.5);
const MIN_SAMPLES = 200;
/**
 * Wasm median µs per size before the fingerprint counted markers (commit 3fa4046;
 * this suite, 2-CPU AMD EPYC, Node 20.20.2, load 0.8). A figure from another run,
 * so comparing it with this run's includes both runs' machine noise.
 */
const BEFORE_MARKERS_US: Record<number, number> = { 20: 5.3, 200: 26.6, 2000: 228.1 };
/** The markers' own cost: both builds' run() interleaved in one process, same machine (wasm/README.md). */
const MARKERS_COST = "+0.1 µs at 20 words, +1.1 µs at 200, +10 µs at 2,000 (4-8%)";

const MODULE_HOOK = `
export async function load(url, context, next) {
  if (url.endsWith(".wasm") || url.endsWith(".bin")) {
    const u = JSON.stringify(url);
    const body = url.endsWith(".wasm")
      ? "export default new WebAssembly.Module(b);"
      : "export default b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength);";
    return { format: "module", shortCircuit: true, source: "const b = await (await import('node:fs/promises')).readFile(new URL(" + u + "));\\n" + body };
  }
  return next(url, context);
}`;

let hookRegistered = false;

/** Imports the worker's embedder with wrangler-like `.wasm`/`.bin` modules (also used by the cache suite). */
export async function importEmbedder(): Promise<typeof import("../../worker/cache/embedder")> {
  if (!hookRegistered) {
    register(`data:text/javascript,${encodeURIComponent(MODULE_HOOK)}`);
    hookRegistered = true;
  }
  return import(pathToFileURL(join(ROOT, "worker/cache/embedder.ts")).href);
}

// Prompt-like English with names, numbers and some code, cut to a word count.
const SOURCE = [
  "I run a small online shop that sells handmade ceramic mugs and bowls, and I want to move our order",
  "processing from spreadsheets to a proper database. We get about 150 orders a week, peaking at 600 in",
  "December. Customers in Germany, France and the United States pay in euros or dollars, and about 4.5%",
  "of orders are returned. Could you explain how I should design the tables for customers, orders, products",
  "and returns, which indexes I need, and whether PostgreSQL or SQLite is the better choice for a team",
  "of two people? Please also show an example query that lists the ten best-selling products of the last",
  "month, for instance SELECT product_id, SUM(quantity) FROM order_items GROUP BY product_id ORDER BY 2 DESC",
  "LIMIT 10, and explain why it might be slow without an index. Don't assume we have a database administrator;",
  "we would rather keep things simple, cheap and easy to back up every night to an external drive.",
].join(" ");

function prompt(words: number): string {
  const src = SOURCE.split(" ");
  const out: string[] = [];
  for (let i = 0; out.length < words; i++) out.push(src[i % src.length]!);
  return out.join(" ");
}

interface Case {
  words: number;
  bytes: number;
  wasm: number[];
  ref: number[];
}

function measure(fn: () => unknown, signal: AbortSignal): number[] {
  for (let i = 0; i < 50; i++) fn(); // warm-up (JIT, buffers)
  const samples: number[] = [];
  const deadline = performance.now() + SECONDS_PER_CASE * 1000;
  while ((samples.length < MIN_SAMPLES || performance.now() < deadline) && !signal.aborted) {
    const t0 = performance.now();
    fn();
    samples.push((performance.now() - t0) * 1000);
  }
  return samples;
}

function runNode(args: string[], env: NodeJS.ProcessEnv, signal: AbortSignal): Promise<string> {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(process.execPath, args, { cwd: ROOT, env, stdio: ["ignore", "pipe", "pipe"], signal });
    let out = "";
    child.stdout.on("data", (c: Buffer) => (out += c.toString()));
    child.stderr.on("data", (c: Buffer) => (out += c.toString()));
    child.on("error", reject);
    child.on("close", (code) => (code === 0 ? resolvePromise(out) : reject(new Error(`wrangler exited with ${code}:\n${out}`))));
  });
}

const kib = (n: number) => fmt(n / 1024, 1);

async function bundleSize(ctx: SuiteContext): Promise<void> {
  ctx.progress("bundling the worker with wrangler deploy --dry-run...");
  const outDir = await mkdtemp(join(tmpdir(), "meridian-bundle-"));
  ctx.defer(() => rm(outDir, { recursive: true, force: true }));
  const env = { ...process.env, CLOUDFLARE_CF_FETCH_ENABLED: "false", WRANGLER_SEND_METRICS: "false" };
  const log = await runNode([WRANGLER, "deploy", "--dry-run", "--outdir", outDir], env, ctx.signal);
  const rows: string[][] = [];
  let raw = 0;
  let gz = 0;
  let hasTable = false;
  for (const name of (await readdir(outDir)).sort()) {
    if (name.endsWith(".map") || name === "README.md") continue;
    const bytes = await readFile(join(outDir, name));
    const g = gzipSync(bytes, { level: 9 }).length;
    raw += bytes.length;
    gz += g;
    if (name.endsWith(".bin")) hasTable = true;
    rows.push([name.replace(/^[0-9a-f]{40}-/, ""), kib(bytes.length), kib(g)]);
  }
  rows.push(["total", kib(raw), kib(gz)]);
  const columns: Column[] = [{ title: "module", align: "left" }, { title: "raw KiB" }, { title: "gzip KiB" }];
  console.log("Worker bundle (wrangler deploy --dry-run; source maps not uploaded):");
  console.log(table(columns, rows));
  const line = /Total Upload: .*$/m.exec(log)?.[0];
  if (line) console.log(`wrangler: ${line.trim()}`);
  console.log(`gzip total ${kib(gz)} KiB of the ${kib(GZIP_LIMIT)} KiB limit (${fmt((gz / GZIP_LIMIT) * 100, 0)}%).`);
  if (!hasTable) console.log("note: the bundle does not import wasm/embeddings.bin yet (nothing in the worker uses the embedder).");
}

async function run(ctx: SuiteContext): Promise<void> {
  ctx.progress("loading the wasm embedder and the reference...");
  const [{ fingerprint, fingerprintPass, resetEmbedder }, ref, tableBytes] = await Promise.all([
    importEmbedder(),
    import("../../wasm/reference/embedding-reference"),
    readFile(join(ROOT, "wasm/embeddings.bin")),
  ]);
  const t0 = performance.now();
  const vocab = ref.loadTable(tableBytes);
  const refLoadMs = performance.now() - t0;
  resetEmbedder();
  const t1 = performance.now();
  fingerprint("warm up");
  const wasmInitMs = performance.now() - t1;

  const cases: Case[] = [];
  for (const words of SIZES) {
    if (ctx.signal.aborted) return;
    const text = prompt(words);
    const a: PromptFingerprint = fingerprint(text);
    const b: PromptFingerprint = ref.fingerprintReference(text, vocab);
    if (a.signature[0] !== b.signature[0] || a.signature[1] !== b.signature[1] || a.salient.length !== b.salient.length) {
      throw new Error(`wasm and reference disagree on the ${words}-word prompt`);
    }
    ctx.progress(`${words} words: wasm...`);
    const wasm = measure(() => fingerprintPass(text), ctx.signal);
    ctx.progress(`${words} words: reference...`);
    const refSamples = measure(() => ref.fingerprintReference(text, vocab), ctx.signal);
    cases.push({ words, bytes: new TextEncoder().encode(text).length, wasm, ref: refSamples });
  }

  console.log(`Prompt fingerprint, one call: tokenise, embed (SIF, PC removed), SimHash, salient set, markers. Node ${process.versions.node} (V8 ${process.versions.v8}; workerd runs a newer V8).`);
  const columns: Column[] = [
    { title: "words" },
    { title: "bytes" },
    { title: "impl", align: "left" },
    { title: "calls" },
    { title: "median µs" },
    { title: "p99 µs" },
    { title: "MB/s" },
    { title: "reference/wasm (median)" },
    { title: "before markers µs (recorded)" },
  ];
  const rows: string[][] = [];
  for (const c of cases) {
    const w = summarize(c.wasm);
    const r = summarize(c.ref);
    const before = BEFORE_MARKERS_US[c.words];
    rows.push([String(c.words), String(c.bytes), "wasm", String(w.n), fmt(w.p50, 1), fmt(w.p99, 1), fmt(c.bytes / w.p50, 0), fmt(r.p50 / w.p50, 2), fmt(before, 1)]);
    rows.push(["", "", "reference", String(r.n), fmt(r.p50, 1), fmt(r.p99, 1), fmt(c.bytes / r.p50, 0), "", ""]);
  }
  console.log(table(columns, rows));
  console.log(`Markers' share of the wasm figures, measured on both builds interleaved: ${MARKERS_COST}.`);
  console.log(`One-time cost per isolate: wasm instantiate + 2.3 MB table copy + init ${fmt(wasmInitMs, 2)} ms; reference loadTable ${fmt(refLoadMs, 2)} ms.`);
  console.log("");
  await bundleSize(ctx);
}

export const embedding: Suite = { id: "embedding", name: "embedding", run };

// Standalone: `npx tsx bench/suites/embedding.ts`.
if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const controller = new AbortController();
  process.once("SIGINT", () => controller.abort());
  const cleanups: (() => unknown)[] = [];
  try {
    console.log("== embedding ==");
    await run({
      config: undefined as never,
      signal: controller.signal,
      defer: (fn) => cleanups.push(fn),
      progress: (m) => process.stderr.write(`  ${m}\n`),
    });
  } finally {
    for (const fn of cleanups.reverse()) await fn();
  }
}
