// `npm run bench`: runs every suite and prints tables (no pass/fail asserts).
// Options come from the environment; see bench/README.md. Ctrl-C (or SIGTERM)
// stops the run and everything it started, and exits 0.

import { fileURLToPath } from "node:url";
import { ConfigError, readConfig, type BenchConfig } from "./lib/config";
import { clkTck } from "../harness/clock-ticks";
import { cpuTicks, machineFacts, sourceFacts } from "./lib/machine";
import { runtimeVersions } from "../harness/router";
import { fmt } from "./lib/stats";
import type { Suite } from "./lib/suite";
import { embedding } from "./suites/embedding";
import { auto } from "./suites/auto";
import { cache } from "./suites/cache";
import { overhead } from "./suites/overhead";
import { primitives } from "./suites/primitives";
import { routing } from "./suites/routing";
import { schema } from "./suites/schema";

const SUITES: readonly Suite[] = [overhead, primitives, embedding, routing, cache, auto, schema];

let config: BenchConfig;
let selected: readonly Suite[];
try {
  config = readConfig();
  selected = selectSuites(config);
} catch (err) {
  if (!(err instanceof ConfigError)) throw err;
  console.error(err.message);
  process.exit(2);
}

/** BENCH_SUITES picks suites; BENCH_SCENARIOS must name scenarios of the picked ones. */
function selectSuites(c: BenchConfig): readonly Suite[] {
  const unknown = c.suites?.filter((id) => !SUITES.some((s) => s.id === id)) ?? [];
  if (unknown.length) throw new ConfigError(`BENCH_SUITES: unknown suite ${unknown.join(", ")}; known: ${SUITES.map((s) => s.id).join(", ")}`);
  const picked = c.suites ? SUITES.filter((s) => c.suites!.includes(s.id)) : SUITES;
  const known = picked.flatMap((s) => s.scenarios ?? []);
  const stray = c.scenarios?.filter((id) => !known.includes(id)) ?? [];
  if (stray.length) {
    throw new ConfigError(`BENCH_SCENARIOS: no selected suite has ${stray.join(", ")}; ${known.length ? `known: ${known.join(", ")}` : "the selected suites have no scenarios"}`);
  }
  return picked;
}

const controller = new AbortController();
const cleanups: (() => Promise<unknown> | unknown)[] = [];
let interrupted = 0;

function onSignal(sig: NodeJS.Signals): void {
  // One Ctrl-C can arrive several times (the terminal signals the whole process
  // group, and npm and tsx forward it again): only a later one means "hurry".
  if (interrupted) {
    if (Date.now() - interrupted < 2_000) return;
    console.error(`\n${sig} again: exiting without waiting.`);
    process.exit(1); // Miniflare's exit hook still kills workerd
  }
  interrupted = Date.now();
  console.error(`\n${sig}: stopping...`);
  controller.abort();
  // Whatever is in flight ends within milliseconds; do not hang if something does not.
  setTimeout(() => {
    console.error("shutdown took too long; exiting.");
    process.exit(1);
  }, 15_000).unref();
}
process.on("SIGINT", onSignal);
process.on("SIGTERM", onSignal);

const m = machineFacts();
const v = runtimeVersions();
const started = Date.now();
const ticks0 = cpuTicks();
console.log(`Meridian benchmarks (${sourceFacts(fileURLToPath(new URL("..", import.meta.url)))})`);
console.log(`Machine: ${m.model}, ${m.cpus} CPUs, ${fmt(m.memoryGiB, 1)} GiB, load average ${fmt(m.loadAvg, 2)}; Node ${m.node}`);
console.log(
  `Runtime: router figures come from workerd ${v.workerd} driven by the Miniflare ${v.miniflare} API (one workerd process, no wrangler dev), ` +
    (config.routerLayers === "direct" ? "direct socket to the worker" : "behind Miniflare's entry and outbound workers"),
);
console.log("");

let code = 0;
try {
  for (const suite of selected) {
    if (controller.signal.aborted) break;
    console.log(`== ${suite.name} ==`);
    if (config.scenarios && suite.scenarios && !suite.scenarios.some((id) => config.scenarios!.includes(id))) {
      console.log("skipped: BENCH_SCENARIOS names none of its scenarios\n");
      continue;
    }
    await suite.run({
      config,
      signal: controller.signal,
      defer: (fn) => cleanups.push(fn),
      progress: (msg) => {
        if (!controller.signal.aborted) process.stderr.write(`  [${((Date.now() - started) / 1000).toFixed(0).padStart(3)} s] ${msg}\n`);
      },
    });
    console.log("");
  }
} catch (err) {
  if (!controller.signal.aborted) {
    console.error(err instanceof Error ? (err.stack ?? err.message) : err);
    code = 1;
  }
} finally {
  for (const fn of cleanups.reverse()) {
    try {
      await fn();
    } catch (err) {
      console.error("cleanup failed:", err instanceof Error ? err.message : err);
    }
  }
}
if (!interrupted && code === 0) {
  const seconds = (Date.now() - started) / 1000;
  const ticks1 = cpuTicks();
  let others = "";
  if (ticks0 && ticks1) {
    const hz = await clkTck();
    const share = ((ticks1.machine - ticks0.machine - (ticks1.own - ticks0.own)) / hz / seconds) * 100;
    others = `; other processes used ${fmt(Math.max(0, share), 0)}% of one core on average${share > 15 ? " (a busy machine: expect noisy figures)" : ""}`;
  }
  console.log(`Done in ${seconds.toFixed(0)} s${others}.`);
}
process.exit(code);
