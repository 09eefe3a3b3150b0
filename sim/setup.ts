// What one `npm run simulate` runs: the load, the scenario and the policies,
// from a few settings (environment variables override the defaults).
import { generateLoad, type LoadConfig, type Request } from "./load";
import type { PolicyResult } from "./metrics";
import type { PolicyName } from "./policies";
import { scenarioFor, type Scenario } from "./scenario";
import { DEFAULT_CONFIG, runPolicy } from "./simulate";
import { POPS } from "./world";

export interface Setup {
  /** Virtual minutes. 40 keeps the whole run (four policies) well under a minute on two cores. */
  minutes: number;
  seed: number;
  /** UTC hour at t = 0: afternoon in Europe and India, morning on the US east coast, night in Tokyo. */
  startUtcHour: number;
  /** Requests per second per unit of PoP weight at the local daily peak (weights sum to ~90). */
  ratePerWeight: number;
}

export const DEFAULT_SETUP: Setup = { minutes: 40, seed: DEFAULT_CONFIG.seed, startUtcHour: 14, ratePerWeight: 0.8 };

export function setupFromEnv(env: NodeJS.ProcessEnv = process.env): Setup {
  const num = (name: string, fallback: number, min: number, max: number): number => {
    const raw = env[name];
    if (raw === undefined || raw === "") return fallback;
    const n = Number(raw);
    if (!Number.isFinite(n) || n < min || n > max) throw new RangeError(`${name} must be a number in [${min}, ${max}], got '${raw}'`);
    return n;
  };
  return {
    minutes: num("SIM_MINUTES", DEFAULT_SETUP.minutes, 4, 24 * 60),
    seed: Math.floor(num("SIM_SEED", DEFAULT_SETUP.seed, 0, 2 ** 31)),
    startUtcHour: num("SIM_START_UTC_HOUR", DEFAULT_SETUP.startUtcHour, 0, 24),
    ratePerWeight: num("SIM_RATE", DEFAULT_SETUP.ratePerWeight, 0.01, 100),
  };
}

export function scenarioOf(setup: Setup): Scenario {
  return scenarioFor(setup.minutes * 60_000);
}

export function loadOf(setup: Setup): Request[] {
  const config: LoadConfig = { seed: setup.seed, durationMs: setup.minutes * 60_000, startUtcHour: setup.startUtcHour, ratePerWeight: setup.ratePerWeight };
  return generateLoad(POPS, config);
}

/** Runs the policies one after the other on the same requests. */
export function runPolicies(setup: Setup, policies: readonly PolicyName[]): PolicyResult[] {
  const requests = loadOf(setup);
  const scenario = scenarioOf(setup);
  return policies.map((p) => runPolicy(p, requests, scenario, { ...DEFAULT_CONFIG, seed: setup.seed }));
}
