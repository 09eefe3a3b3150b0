// `npm run simulate`: Meridian against three baselines on the same simulated
// traffic and failure scenario. Prints the tables, writes docs/simulation.svg
// and docs/simulation.md. Meridian runs in one worker thread and the three
// baselines in another, so the two cores are both busy.
//
// Environment: SIM_MINUTES (virtual minutes, default 40), SIM_SEED,
// SIM_RATE (requests/s per PoP weight unit at peak), SIM_START_UTC_HOUR,
// SIM_THREADS=1 to run everything in this thread, SIM_EXTRA=meridian-nohedge
// to add Meridian with hedging off.
import { mkdirSync, writeFileSync } from "node:fs";
import os from "node:os";
import { performance } from "node:perf_hooks";
import { Worker } from "node:worker_threads";
import { simulationDoc } from "./doc";
import type { PolicyResult } from "./metrics";
import { EXTRA_POLICIES, isPolicyName, POLICIES, usesStatistics, type PolicyName } from "./policies";
import { fullReport } from "./report";
import { loadOf, runPolicies, scenarioOf, setupFromEnv, type Setup } from "./setup";
import { chart } from "./svg";
import { ORIGINS, POPS } from "./world";

const started = performance.now();
const setup = setupFromEnv();
const threads = process.env.SIM_THREADS === "1" ? 1 : 2;
const scenario = scenarioOf(setup);
const requestCount = loadOf(setup).length;

console.log(
  `Meridian simulation: ${setup.minutes} virtual minutes from ${String(setup.startUtcHour).padStart(2, "0")}:00 UTC, ` +
    `${POPS.length} PoPs, ${ORIGINS.length} origins, ${requestCount.toLocaleString("en-US")} requests (seed ${setup.seed}).`,
);
console.log(
  `Scenario: t1=${scenario.slowAt / 60_000} min ${scenario.slowOrigin} ${scenario.slowFactor}x slower; ` +
    `t2=${scenario.deadAt / 60_000} min ${scenario.deadOrigin} dies (black hole ${scenario.blackholeMs / 60_000} min, then refuses connections); ` +
    `t3=${scenario.backAt / 60_000} min ${scenario.deadOrigin} back. First ${scenario.warmupMs / 60_000} min left out as warm-up.\n`,
);

const extra = (process.env.SIM_EXTRA ?? "").split(",").map((s) => s.trim()).filter(Boolean);
for (const p of extra) if (!isPolicyName(p)) throw new RangeError(`SIM_EXTRA: unknown policy '${p}' (known: ${[...POLICIES, ...EXTRA_POLICIES].join(", ")})`);
const names: PolicyName[] = [...POLICIES, ...(extra as PolicyName[]).filter((p) => !(POLICIES as readonly string[]).includes(p))];
// Meridian's runs are the slow ones: each gets a thread, the baselines share one.
const groups: PolicyName[][] = threads === 1 ? [names] : [...names.filter(usesStatistics).map((p) => [p]), names.filter((p) => !usesStatistics(p))];
const parts = await Promise.all(groups.map((policies) => (threads === 1 ? Promise.resolve(runPolicies(setup, policies)) : inWorker(setup, policies))));
const byName = new Map(parts.flat().map((r) => [r.policy, r]));
const results = names.map((p) => byName.get(p)!);

const report = fullReport(results);
console.log(report);

const wallMs = performance.now() - started;
const runLine =
  `Run time ${(wallMs / 1000).toFixed(1)} s on ${os.cpus().length} CPU(s), ${groups.length} thread(s); per policy: ` +
  results.map((r) => `${r.policy} ${(r.run.wallMs / 1000).toFixed(1)} s (${(r.run.events / 1e6).toFixed(2)}M events)`).join(", ") +
  `; ${results[0]!.run.summaries.toLocaleString("en-US")} OriginStats.summary() calls for Meridian.`;
console.log(`\n${runLine}`);

const meridian = byName.get("meridian")!;
const nearest = byName.get("nearest")!;
const verdict =
  meridian.overall.p99 < nearest.overall.p99
    ? `Acceptance: Meridian p99 TTFT ${Math.round(meridian.overall.p99)} ms < nearest-by-distance ${Math.round(nearest.overall.p99)} ms over the failure scenario.`
    : `Acceptance NOT met: Meridian p99 TTFT ${Math.round(meridian.overall.p99)} ms >= nearest-by-distance ${Math.round(nearest.overall.p99)} ms.`;
console.log(verdict);

const docs = new URL("../docs/", import.meta.url);
mkdirSync(docs, { recursive: true });
const title = `Meridian vs baselines: ${setup.minutes} simulated minutes, ${requestCount.toLocaleString("en-US")} requests per policy`;
writeFileSync(new URL("simulation.svg", docs), chart(results, scenario, title));
writeFileSync(new URL("simulation.md", docs), simulationDoc({ setup, scenario, requestCount, report, runLine, verdict }));
console.log("Wrote docs/simulation.svg and docs/simulation.md.");

function inWorker(s: Setup, policies: PolicyName[]): Promise<PolicyResult[]> {
  // The worker registers tsx before importing the TypeScript entry.
  const api = import.meta.resolve("tsx/esm/api");
  const entry = new URL("./policy-worker.ts", import.meta.url).href;
  const code = `import(${JSON.stringify(api)}).then(({ register }) => { register(); return import(${JSON.stringify(entry)}); });`;
  return new Promise((resolve, reject) => {
    const worker = new Worker(code, { eval: true, workerData: { setup: s, policies } });
    worker.once("message", (m: PolicyResult[]) => resolve(m));
    worker.once("error", reject);
    worker.once("exit", (code) => {
      if (code !== 0) reject(new Error(`simulation worker for ${policies.join(", ")} exited with code ${code}`));
    });
  });
}
