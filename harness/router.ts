// Runs Meridian for benchmarks in the leanest local runtime that still has real
// KV and Durable Objects: the worker bundle that `wrangler deploy` would upload,
// served by ONE workerd process driven through Miniflare's API (no `wrangler
// dev`, no proxy worker, no Node-side request path).
//
// Layers, by default ("direct"):
//   client -> workerd socket -> Meridian -> fetch() straight out of workerd -> origin
// Miniflare normally puts two Workers of its own around the user worker inside
// the same workerd: an entry worker in front (cf blob, pretty errors, request
// logging, live reload) and an outbound "strip-cf-connecting-ip" worker that
// re-fetches every subrequest. "direct" bypasses both (a direct socket to the
// user worker, stripCfConnectingIp: false). "miniflare" keeps both, as
// `wrangler dev` does (which also adds its own proxy layer in front).

import { spawn, type ChildProcess } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import type { Readable } from "node:stream";
import { Miniflare } from "miniflare";
import { AdminClient } from "./admin-client";
import { DEMO_TENANT, seed, type SeedOrigin } from "./seed";
import { clkTck } from "./clock-ticks";

const ROOT = fileURLToPath(new URL("..", import.meta.url));
const WRANGLER = join(ROOT, "node_modules/wrangler/bin/wrangler.js");
const QUIET_ENV = { ...process.env, CLOUDFLARE_CF_FETCH_ENABLED: "false", WRANGLER_SEND_METRICS: "false", NO_COLOR: "1" };

export type RouterLayers = "direct" | "miniflare";

export interface RouterOptions {
  adminToken: string;
  /** Settings over wrangler.toml's `[vars]` (the operator's, as `wrangler secret`/vars would set them). */
  vars?: Record<string, string>;
  layers?: RouterLayers;
  host?: string;
  /** Forward workerd's stdout/stderr (console.log of the worker) to ours. */
  verbose?: boolean;
  /** Aborts the start (kills the build steps, disposes Miniflare). */
  signal?: AbortSignal;
  /**
   * The caller handles SIGINT/SIGTERM and calls stop(). Miniflare otherwise
   * installs handlers that kill workerd and exit(130) at once, before the
   * caller can shut down its own parts. (Its process "exit" hook, which kills
   * workerd if the process exits without stop(), is kept either way.)
   */
  callerHandlesSignals?: boolean;
  /** Open workerd's DevTools inspector on a free port (the load run reads the isolate's heap through it). */
  inspector?: boolean;
}

export interface RunningRouter {
  /** Base URL the benchmark sends requests to. */
  url: string;
  layers: RouterLayers;
  /** The workerd process serving `url`. */
  pid: number;
  /** e.g. "workerd 1.20260426.1 via Miniflare 4.20260426.0 API, ...". */
  description: string;
  /** ws:// base of workerd's inspector, with `inspector: true`. */
  inspectorUrl?: string;
  /** CPU seconds (user + system, all threads) the workerd process has used so far. */
  cpuSeconds(): number;
  stop(): Promise<void>;
}

/** The parts of wrangler.toml the runtime needs, read by wrangler's own config reader. */
interface WranglerConfig {
  compatibility_date: string;
  compatibility_flags: string[];
  vars: Record<string, string>;
  kv: string[];
  /** R2 bucket bindings (the Batch API's files). */
  r2: string[];
  durableObjects: { name: string; className: string; useSQLite: boolean }[];
  /** Queue bindings to queue names, and the queues this worker consumes with their settings. */
  queueProducers: Record<string, string>;
  queueConsumers: Record<string, { maxBatchSize?: number; maxBatchTimeout?: number; maxRetries?: number; deadLetterQueue?: string }>;
  /** Module rules (wrangler.toml [[rules]], then wrangler's defaults) for the non-JS modules the bundle imports. */
  rules: { type: ModuleRuleType; include: string[]; fallthrough?: boolean }[];
}

type ModuleRuleType = "ESModule" | "CommonJS" | "CompiledWasm" | "Text" | "Data";

// Read in a short-lived child process: importing wrangler takes ~2.5 s and a
// large heap we do not want in the process that generates the load.
const READ_CONFIG = `
import { unstable_readConfig, unstable_getDurableObjectClassNameToUseSQLiteMap } from "wrangler";
const c = unstable_readConfig({ config: "wrangler.toml" });
const sqlite = unstable_getDurableObjectClassNameToUseSQLiteMap(c.migrations);
process.stdout.write(JSON.stringify({
  compatibility_date: c.compatibility_date,
  compatibility_flags: c.compatibility_flags,
  vars: Object.fromEntries(Object.entries(c.vars).map(([k, v]) => [k, typeof v === "string" ? v : JSON.stringify(v)])),
  kv: c.kv_namespaces.map((k) => k.binding),
  r2: (c.r2_buckets ?? []).map((b) => b.binding),
  durableObjects: c.durable_objects.bindings.map((b) => ({ name: b.name, className: b.class_name, useSQLite: sqlite.get(b.class_name) === true })),
  queueProducers: Object.fromEntries((c.queues.producers ?? []).map((p) => [p.binding, p.queue])),
  queueConsumers: Object.fromEntries((c.queues.consumers ?? []).map((q) => [q.queue, {
    maxBatchSize: q.max_batch_size, maxBatchTimeout: q.max_batch_timeout, maxRetries: q.max_retries, deadLetterQueue: q.dead_letter_queue,
  }])),
  rules: [
    ...(c.rules ?? []).map((r) => ({ type: r.type, include: r.globs, fallthrough: r.fallthrough })),
    // wrangler's default rules
    { type: "Text", include: ["**/*.txt", "**/*.html", "**/*.sql"] },
    { type: "Data", include: ["**/*.bin"] },
    { type: "CompiledWasm", include: ["**/*.wasm", "**/*.wasm?module"] },
  ],
}));
`;

/** Runs node with args in the repo root; resolves stdout, rejects with the output on failure. */
function runNode(args: string[], what: string, signal?: AbortSignal): Promise<string> {
  return new Promise((resolve, reject) => {
    const child: ChildProcess = spawn(process.execPath, args, { cwd: ROOT, env: QUIET_ENV, stdio: ["ignore", "pipe", "pipe"], signal });
    let out = "";
    let err = "";
    child.stdout!.on("data", (c: Buffer) => (out += c.toString()));
    child.stderr!.on("data", (c: Buffer) => (err += c.toString()));
    child.on("error", (e) => reject(new Error(`${what}: ${e.message}`)));
    child.on("close", (code) => (code === 0 ? resolve(out) : reject(new Error(`${what} exited with ${code}:\n${err || out}`))));
  });
}

function readWranglerConfig(signal?: AbortSignal): Promise<WranglerConfig> {
  return runNode(["--input-type=module", "-e", READ_CONFIG], "reading wrangler.toml", signal).then((s) => JSON.parse(s) as WranglerConfig);
}

/** Bundles the worker exactly as `wrangler deploy` would, into outDir/index.js. */
async function buildWorker(outDir: string, signal?: AbortSignal): Promise<string> {
  await runNode([WRANGLER, "deploy", "--dry-run", "--outdir", outDir], "wrangler deploy --dry-run", signal);
  return join(outDir, "index.js");
}

/** Bundles another worker of this repository (its own wrangler.toml) as `wrangler deploy` would; the bundle's path. */
export async function bundleWorker(configPath: string, outDir: string, signal?: AbortSignal): Promise<string> {
  await runNode([WRANGLER, "deploy", "--dry-run", "--config", configPath, "--outdir", outDir], `wrangler deploy --dry-run --config ${configPath}`, signal);
  const main = readdirSync(outDir).find((f) => f.endsWith(".js"));
  if (!main) throw new Error(`wrangler wrote no bundle into ${outDir}`);
  return join(outDir, main);
}

function packageVersion(name: string): string {
  try {
    return (JSON.parse(readFileSync(join(ROOT, "node_modules", name, "package.json"), "utf8")) as { version: string }).version;
  } catch {
    return "?";
  }
}

export function runtimeVersions(): { miniflare: string; workerd: string } {
  return { miniflare: packageVersion("miniflare"), workerd: packageVersion("workerd") };
}

// ---- process CPU from /proc -------------------------------------------------

interface ProcStat {
  comm: string;
  ppid: number;
  /** utime + stime, in clock ticks. */
  ticks: number;
}

function procStat(pid: number): ProcStat | null {
  let text: string;
  try {
    text = readFileSync(`/proc/${pid}/stat`, "utf8");
  } catch {
    return null;
  }
  // "pid (comm) state ppid ... utime stime ...": comm may contain spaces and parens.
  const open = text.indexOf("(");
  const close = text.lastIndexOf(")");
  const rest = text.slice(close + 2).split(" ");
  // rest[0] is field 3 (state); ppid is field 4, utime 14, stime 15.
  return { comm: text.slice(open + 1, close), ppid: Number(rest[1]), ticks: Number(rest[11]) + Number(rest[12]) };
}

/** PIDs of this process's children whose command name starts with `name`. */
export function childPids(name: string): Set<number> {
  const found = new Set<number>();
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    const st = procStat(Number(entry));
    if (st && st.ppid === process.pid && st.comm.startsWith(name)) found.add(Number(entry));
  }
  return found;
}

/** CPU seconds used by a process so far (all threads, user + system). */
export function processCpuSeconds(pid: number, ticksPerSecond: number): number {
  const st = procStat(pid);
  if (!st) throw new Error(`process ${pid} is gone`);
  return st.ticks / ticksPerSecond;
}

// ---- the router ---------------------------------------------------------------

export async function startRouter(opts: RouterOptions): Promise<RunningRouter> {
  const layers = opts.layers ?? "direct";
  const host = opts.host ?? "127.0.0.1";
  const outDir = await mkdtemp(join(tmpdir(), "meridian-bench-"));
  let mf: Miniflare | undefined;
  // If the process exits without stop() (a second Ctrl-C), still remove the bundle.
  const removeOutDir = (): void => rmSync(outDir, { recursive: true, force: true });
  process.on("exit", removeOutDir);
  const cleanup = async (): Promise<void> => {
    await mf?.dispose().catch(() => undefined);
    mf = undefined;
    await rm(outDir, { recursive: true, force: true });
    process.off("exit", removeOutDir);
  };

  try {
    const [config, scriptPath, ticks] = await Promise.all([readWranglerConfig(opts.signal), buildWorker(outDir, opts.signal), clkTck()]);

    let log = "";
    const keep = (stream: Readable, sink: NodeJS.WriteStream): void => {
      stream.on("data", (c: Buffer) => {
        log = (log + c.toString()).slice(-20_000);
        if (opts.verbose) sink.write(c);
      });
    };

    const before = childPids("workerd");
    const signalListeners = { SIGINT: process.listeners("SIGINT"), SIGTERM: process.listeners("SIGTERM") };
    mf = new Miniflare({
      host,
      port: 0,
      modules: true,
      scriptPath,
      // Module names are paths relative to this; the default (cwd) cannot reach a temp dir.
      modulesRoot: outDir,
      // The bundle is index.js plus the .wasm/.bin/... files it imports, side by side.
      modulesRules: config.rules,
      compatibilityDate: config.compatibility_date,
      compatibilityFlags: config.compatibility_flags,
      kvNamespaces: config.kv,
      r2Buckets: config.r2,
      durableObjects: Object.fromEntries(config.durableObjects.map((d) => [d.name, { className: d.className, useSQLite: d.useSQLite }])),
      // The usage queue, as deployed: records reach the tenants' objects through it.
      queueProducers: config.queueProducers,
      queueConsumers: config.queueConsumers,
      bindings: { ...config.vars, ...opts.vars, ADMIN_TOKEN: opts.adminToken, MERIDIAN_DEV: "true" },
      // In memory (Miniflare's temp dir, removed on dispose): nothing left behind.
      kvPersist: false,
      r2Persist: false,
      durableObjectsPersist: false,
      cachePersist: false,
      logRequests: false,
      ...(opts.inspector ? { inspectorPort: 0 } : {}),
      handleRuntimeStdio: (stdout: Readable, stderr: Readable) => {
        keep(stdout, process.stdout);
        keep(stderr, process.stderr);
      },
      ...(layers === "direct" ? { unsafeDirectSockets: [{ host, port: 0 }], stripCfConnectingIp: false } : {}),
    });
    if (opts.callerHandlesSignals) {
      for (const [sig, had] of Object.entries(signalListeners)) {
        for (const l of process.listeners(sig as NodeJS.Signals)) if (!had.includes(l)) process.removeListener(sig, l);
      }
    }
    const entryUrl = await mf.ready.catch((e: unknown) => {
      throw new Error(`${e instanceof Error ? e.message : String(e)}\n${log}`);
    });
    const url = layers === "direct" ? (await mf.unsafeGetDirectURL()).origin : entryUrl.origin;
    opts.signal?.throwIfAborted();

    const started = [...childPids("workerd")].filter((p) => !before.has(p));
    if (started.length !== 1) throw new Error(`expected one new workerd child process, found ${started.length}:\n${log}`);
    const pid = started[0]!;

    const res = await fetch(`${url}/healthz`);
    if (!res.ok) throw new Error(`router /healthz -> ${res.status}: ${await res.text()}\n${log}`);

    const v = runtimeVersions();
    const description =
      layers === "direct"
        ? `workerd ${v.workerd} (pid ${pid}) via the Miniflare ${v.miniflare} API: one process, direct socket to the worker (Miniflare's entry and outbound workers bypassed)`
        : `workerd ${v.workerd} (pid ${pid}) via the Miniflare ${v.miniflare} API: one process, with Miniflare's entry worker in front and its outbound worker behind`;
    const inspectorUrl = opts.inspector ? (await mf.getInspectorURL()).origin : undefined;
    return { url, layers, pid, description, ...(inspectorUrl ? { inspectorUrl } : {}), cpuSeconds: () => processCpuSeconds(pid, ticks), stop: cleanup };
  } catch (err) {
    await cleanup();
    throw err;
  }
}

/** Registers one origin, the demo tenant and an imported key (same calls as `npm run dev`). */
/**
 * Seeds one origin and the demo tenant with every tenant feature that sits on
 * the request path switched on, so the bench pays for them: rate limits
 * (leasing), a prepaid balance and a hard budget (the funds check) and
 * metering (which every tenant has). The limits are far above what a bench
 * can send, so nothing is refused.
 */
export async function seedRouter(router: RunningRouter, adminToken: string, key: string, origin: SeedOrigin): Promise<void> {
  await seed(router.url, adminToken, key, [origin]);
  const admin = new AdminClient(router.url, adminToken);
  await admin.call("PUT", `/tenants/${DEMO_TENANT}`, {
    name: "Demo tenant",
    limits: { rpm: 10_000_000, tpm: 10_000_000_000 },
    prepaid: true,
    budget: { monthly_usd: 1_000_000, mode: "hard" },
  });
  await admin.call("POST", `/tenants/${DEMO_TENANT}/credits`, { amount_usd: 1_000_000, note: "bench" });
}
