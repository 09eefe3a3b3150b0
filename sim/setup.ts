// What one `npm run simulate` runs: a scenario file (SIM_SCENARIO, else the
// shipped failure scenario) with the environment's overrides, its load, and
// the policies. A Setup is plain data: it goes to the worker threads as is.
import { fileURLToPath } from "node:url";
import { generateLoad, type Request } from "./load";
import { lowerBound } from "./lower-bound";
import type { PolicyResult } from "./metrics";
import type { PolicyName } from "./policies";
import { resolveScenario, type Overrides, type Scenario } from "./scenario";
import { readScenarioFile } from "./scenario-file";
import { DEFAULT_CONFIG, runPolicy } from "./simulate";
import { POPS } from "./world";

export interface Setup {
  /** The file it came from, as given. */
  source: string;
  scenario: Scenario;
  /** Which settings the environment overrode (for the report). */
  overridden: string[];
}

export const SCENARIO_DIR = fileURLToPath(new URL("./scenarios/", import.meta.url));
export const SHIPPED_SCENARIOS = ["failure", "calm", "shared-prefix", "regional-surge"] as const;
export const DEFAULT_SCENARIO = `${SCENARIO_DIR}failure.json`;
export const POP_IDS: ReadonlySet<string> = new Set(POPS.map((p) => p.id));

type SimEnv = Readonly<Record<string, string | undefined>>;

const ENV_LIMITS = {
  SIM_MINUTES: [4, 24 * 60],
  SIM_SEED: [0, 2 ** 31],
  SIM_START_UTC_HOUR: [0, 24],
  SIM_RATE: [0.001, 100],
} as const;

/** SIM_SEED, SIM_MINUTES, SIM_START_UTC_HOUR and SIM_RATE, checked. */
export function overridesFromEnv(env: SimEnv = process.env): { overrides: Overrides; overridden: string[] } {
  const overridden: string[] = [];
  const num = (name: keyof typeof ENV_LIMITS): number | undefined => {
    const raw = env[name];
    if (raw === undefined || raw === "") return undefined;
    const [min, max] = ENV_LIMITS[name];
    const n = Number(raw);
    if (!Number.isFinite(n) || n < min || n > max) throw new RangeError(`${name} must be a number in [${min}, ${max}], got '${raw.slice(0, 40)}'`);
    overridden.push(`${name}=${n}`);
    return n;
  };
  const overrides: Overrides = {};
  const minutes = num("SIM_MINUTES");
  const seed = num("SIM_SEED");
  const hour = num("SIM_START_UTC_HOUR");
  const rate = num("SIM_RATE");
  if (minutes !== undefined) overrides.minutes = minutes;
  if (seed !== undefined) overrides.seed = Math.floor(seed);
  if (hour !== undefined) overrides.startUtcHour = hour;
  if (rate !== undefined) overrides.ratePerWeight = rate;
  return { overrides, overridden };
}

/** A scenario file with the environment's overrides. */
export function setupFor(path: string, env: SimEnv = process.env): Setup {
  const { overrides, overridden } = overridesFromEnv(env);
  return { source: path, scenario: resolveScenario(readScenarioFile(path, POP_IDS), overrides), overridden };
}

/** SIM_SCENARIO (a path, or the name of a file in sim/scenarios/), else the failure scenario. */
export function setupFromEnv(env: SimEnv = process.env): Setup {
  return setupFor(scenarioPath(env.SIM_SCENARIO), env);
}

export function scenarioPath(given: string | undefined): string {
  if (!given) return DEFAULT_SCENARIO;
  return /^[a-z0-9-]{1,40}$/.test(given) ? `${SCENARIO_DIR}${given}.json` : given;
}

export function loadOf(setup: Setup): Request[] {
  const s = setup.scenario;
  return generateLoad(s.pops, { seed: s.seed, durationMs: s.durationMs, startUtcHour: s.startUtcHour, spec: s.load });
}

export function priceOf(s: Scenario): (origin: number, req: Request) => number {
  return (o, req) => {
    const p = s.origins[o]!.origin.price;
    return (req.promptTokens * p.input_per_m + req.outputTokens * p.output_per_m) / 1e6;
  };
}

/** Runs the policies one after the other on the same requests. */
export function runPolicies(setup: Setup, policies: readonly PolicyName[]): PolicyResult[] {
  const requests = loadOf(setup);
  return policies.map((p) => runPolicy(p, requests, setup.scenario, { ...DEFAULT_CONFIG, seed: setup.scenario.seed }));
}

/** The lower bound's row (cheap: no simulation). */
export function lowerBoundOf(setup: Setup, requests: readonly Request[] = loadOf(setup)): PolicyResult {
  return lowerBound(requests, setup.scenario, priceOf(setup.scenario), DEFAULT_CONFIG.bucketMs);
}
