// `npm run simulate`: Meridian against today's routing (latency-only), three
// baselines and a lower bound, on the same simulated traffic and events, read
// from a scenario file. Prints the tables; a run of a shipped scenario also
// rewrites its part of docs/simulation.md (and its chart). The policies that
// route on statistics get a thread each (they are the slow ones), the
// baselines share them, so the two cores are both busy.
//
// Environment: SIM_SCENARIO (a path, the name of a shipped scenario, or
// "all"; default: the failure scenario), SIM_MINUTES, SIM_SEED, SIM_RATE,
// SIM_START_UTC_HOUR (override the file), SIM_JSON=path (machine-readable
// summary), SIM_THREADS=1 (everything in this thread), SIM_EXTRA=meridian-nohedge,meridian-cost.
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import os from "node:os";
import { resolve } from "node:path";
import { performance } from "node:perf_hooks";
import { Worker } from "node:worker_threads";
import { simulationDoc, type ScenarioRun } from "./doc";
import type { PolicyResult } from "./metrics";
import { EXTRA_POLICIES, isPolicyName, POLICIES, usesStatistics, type PolicyName } from "./policies";
import { fullReport, ratioTable } from "./report";
import { ScenarioError } from "./scenario-file";
import { loadOf, lowerBoundOf, runPolicies, scenarioPath, SCENARIO_DIR, setupFor, SHIPPED_SCENARIOS, type Setup } from "./setup";
import { simSummary, type SimSummary } from "./summary-json";
import { chart } from "./svg";

const threads = process.env.SIM_THREADS === "1" ? 1 : 2;
const extra = (process.env.SIM_EXTRA ?? "").split(",").map((s) => s.trim()).filter(Boolean);
for (const p of extra) if (!isPolicyName(p)) fail(`SIM_EXTRA: unknown policy '${p}' (known: ${[...POLICIES, ...EXTRA_POLICIES].join(", ")})`);
const names: PolicyName[] = [...POLICIES, ...(extra as PolicyName[]).filter((p) => !(POLICIES as readonly string[]).includes(p))];

const which = process.env.SIM_SCENARIO === "all" ? SHIPPED_SCENARIOS.map((n) => scenarioPath(n)) : [scenarioPath(process.env.SIM_SCENARIO)];
let setups: Setup[];
try {
  setups = which.map((path) => setupFor(path));
} catch (err) {
  if (err instanceof ScenarioError || err instanceof RangeError) fail(err.message);
  throw err;
}

const summaries: SimSummary[] = [];
for (const setup of setups) summaries.push(await runOne(setup));

const json = process.env.SIM_JSON;
if (json) {
  writeFileSync(json, JSON.stringify(summaries.length === 1 ? summaries[0] : summaries, null, 2) + "\n");
  console.log(`Wrote ${json}.`);
}

async function runOne(setup: Setup): Promise<SimSummary> {
  const started = performance.now();
  const s = setup.scenario;
  const requests = loadOf(setup);
  const streamed = requests.filter((r) => r.stream).length;
  console.log(
    `\n== ${s.name}: ${s.description}\n${s.durationMs / 60_000} virtual minutes from ${String(s.startUtcHour).padStart(2, "0")}:00 UTC, ` +
      `${s.pops.length} PoPs, ${s.origins.length} origins, ${requests.length.toLocaleString("en-US")} requests ` +
      `(${((100 * streamed) / Math.max(1, requests.length)).toFixed(0)}% streamed; seed ${s.seed}${setup.overridden.length ? `; ${setup.overridden.join(", ")}` : ""}).`,
  );
  console.log(`Phases: ${s.phases.map((p) => `${p.name} at ${p.from / 60_000} min`).join("; ")}. First ${s.warmupMs / 60_000} min left out as warm-up.\n`);

  // Meridian's runs are the slow ones: each gets a thread, the baselines are dealt out among them.
  const slow = names.filter(usesStatistics);
  const groups: PolicyName[][] = threads === 1 ? [names] : slow.map((p) => [p]);
  if (threads > 1) names.filter((p) => !usesStatistics(p)).forEach((p, i) => groups[(groups.length - 1 - (i % groups.length)) % groups.length]!.push(p));
  const running = groups.map((policies) => (threads === 1 ? Promise.resolve(runPolicies(setup, policies)) : inWorker(setup, policies)));
  const bound = lowerBoundOf(setup, requests);
  const parts = await Promise.all(running);
  const byName = new Map(parts.flat().map((r) => [r.policy, r]));
  const results = names.map((p) => byName.get(p)!);

  const report = fullReport(results, s, bound);
  const ratios = ratioTable(results);
  console.log(report);
  if (ratios) console.log(`\nMeridian's ratios (each kind's objective; below 1 = Meridian faster):\n\n${ratios}`);
  const wallMs = performance.now() - started;
  const runLine =
    `Run time ${(wallMs / 1000).toFixed(1)} s on ${os.cpus().length} CPU(s), ${groups.length} thread(s); per policy: ` +
    results.map((r) => `${r.policy} ${(r.run.wallMs / 1000).toFixed(1)} s (${(r.run.events / 1e6).toFixed(2)}M events)`).join(", ") +
    ".";
  console.log(`\n${runLine}`);
  const summary = simSummary(setup, [...results, bound], wallMs);

  // A shipped scenario's run is the documented one: its part of docs/simulation.md follows it.
  const shipped = SHIPPED_SCENARIOS.find((n) => resolve(setup.source) === resolve(`${SCENARIO_DIR}${n}.json`));
  if (shipped) {
    const dir = new URL("../docs/simulation/", import.meta.url);
    mkdirSync(dir, { recursive: true });
    const title = `${s.name}: ${s.durationMs / 60_000} simulated minutes, ${requests.length.toLocaleString("en-US")} requests per policy`;
    writeFileSync(new URL(`${shipped}.svg`, dir), chart(results, s, title));
    const run: ScenarioRun = { name: shipped, description: s.description, requests: requests.length, streamed, phases: s.phases.map((p) => ({ ...p })), report, ratios, runLine, overridden: setup.overridden, summary };
    writeFileSync(new URL(`${shipped}.json`, dir), JSON.stringify(run, null, 1) + "\n");
    const runs = readdirSync(dir)
      .filter((f) => f.endsWith(".json"))
      .map((f) => JSON.parse(readFileSync(new URL(f, dir), "utf8")) as ScenarioRun)
      .sort((a, b) => SHIPPED_SCENARIOS.indexOf(a.name as never) - SHIPPED_SCENARIOS.indexOf(b.name as never));
    writeFileSync(new URL("../docs/simulation.md", import.meta.url), simulationDoc(runs));
    console.log(`Wrote docs/simulation/${shipped}.svg, docs/simulation/${shipped}.json and docs/simulation.md.`);
  }
  return summary;
}

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

function fail(message: string): never {
  console.error(message);
  process.exit(1);
}
