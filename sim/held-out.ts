// `npm run simulate:held-out`: issue 15's targets on runs nobody tuned on. Each
// shipped scenario runs again under seeds and start hours fixed here (routing
// was tuned on seed 11, the docs report seed 20261127; neither is below), and
// sim/targets.ts checks every target on each run. Prints a table per run and a
// count, and writes the same as docs/simulation/held-out.md (the runs use
// copies of the scenario files, so docs/simulation.md is left alone).
//
// Environment: HELD_OUT_SCENARIOS=calm,failure (a subset), SIM_THREADS as for
// `npm run simulate`.
import { spawnSync } from "node:child_process";
import { copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { table } from "../bench/lib/stats";
import { scenarioPath, setupFor, SHIPPED_SCENARIOS } from "./setup";
import type { SimSummary } from "./summary-json";
import { checkTargets } from "./targets";

/** The held-out runs: other seeds, other hours of the day (so other regions at their peak). */
export const HELD_OUT = [
  { seed: 101, startUtcHour: 3 },
  { seed: 202, startUtcHour: 19 },
] as const;

const wanted = (process.env.HELD_OUT_SCENARIOS ?? SHIPPED_SCENARIOS.join(",")).split(",").map((s) => s.trim());
for (const name of wanted) if (!(SHIPPED_SCENARIOS as readonly string[]).includes(name)) throw new Error(`HELD_OUT_SCENARIOS: unknown scenario '${name}'`);

const dir = mkdtempSync(join(tmpdir(), "meridian-held-out-"));
const sections: string[] = [];
let met = 0;
let total = 0;
const failed: string[] = [];
try {
  for (const name of wanted) {
    const copy = join(dir, `${name}.json`);
    copyFileSync(scenarioPath(name), copy);
    for (const v of HELD_OUT) {
      const env = { ...process.env, SIM_SCENARIO: copy, SIM_SEED: String(v.seed), SIM_START_UTC_HOUR: String(v.startUtcHour), SIM_EXTRA: "meridian-cost", SIM_JSON: join(dir, "summary.json") };
      const run = spawnSync(process.execPath, [...process.execArgv, new URL("./run.ts", import.meta.url).pathname], { env, encoding: "utf8", maxBuffer: 64 << 20 });
      if (run.status !== 0) throw new Error(`${name} seed ${v.seed} failed:\n${run.stderr}`);
      const summary = JSON.parse(readFileSync(env.SIM_JSON, "utf8")) as SimSummary;
      const checks = checkTargets(setupFor(copy, env).scenario, summary);
      const title = `${name}, seed ${v.seed}, from ${String(v.startUtcHour).padStart(2, "0")}:00 UTC`;
      const rows = checks.map((c) => [c.target, c.phase, c.measured === null ? "—" : c.measured.toFixed(3), c.limit.toFixed(2), c.met ? "yes" : "**no**"]);
      console.log(`\n== ${title} (${(summary.wallMs / 1000).toFixed(0)} s)\n`);
      console.log(table([{ title: "target", align: "left" }, { title: "phase", align: "left" }, { title: "measured" }, { title: "limit" }, { title: "met" }], rows));
      sections.push(`### ${title}\n\n| target | phase | measured | limit | met |\n|:--|:--|--:|--:|:--|\n${rows.map((r) => `| ${r.join(" | ")} |`).join("\n")}\n`);
      total += checks.length;
      met += checks.filter((c) => c.met).length;
      for (const c of checks) if (!c.met) failed.push(`${name} seed ${v.seed}: ${c.target} (${c.phase}) ${c.measured === null ? "—" : c.measured.toFixed(3)} > ${c.limit}`);
    }
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
}
const verdict = `${met} of ${total} target checks met on held-out runs.`;
console.log(`\n${verdict}${failed.length ? `\nNot met:\n  ${failed.join("\n  ")}` : ""}`);
if (!process.env.HELD_OUT_SCENARIOS) {
  const doc =
    `# Routing targets on held-out runs\n\n` +
    `Written by \`npm run simulate:held-out\` (sim/held-out.ts): each shipped scenario run again with seeds and start hours nobody tuned on ` +
    `(routing was tuned on seed 11; docs/simulation.md reports seed 20261127), every target of issue 15 checked by sim/targets.ts. ` +
    `Ratios are Meridian's default over nearest-by-distance's (or latency-only's), each request kind by its own objective; ` +
    `a phase is calm, failure (an origin slowed, black-holed or refusing) or surge by the scenario's events; ` +
    `costs are USD per 1M tokens over the mix, each kind weighed by its requests.\n\n` +
    `**${verdict}**${failed.length ? ` Not met: ${failed.join("; ")}.` : ""}\n\n${sections.join("\n")}`;
  writeFileSync(new URL("../docs/simulation/held-out.md", import.meta.url), doc);
  console.log("Wrote docs/simulation/held-out.md.");
}
