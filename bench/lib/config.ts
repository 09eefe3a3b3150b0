// Benchmark options, all from the environment (see bench/README.md).
import type { RouterLayers } from "../../harness/router";

export interface BenchConfig {
  /** Measured seconds per scenario and path (split over the rounds). */
  seconds: number;
  /** When set, a fixed number of measured requests per scenario and path instead of `seconds`. */
  requests: number | undefined;
  /** Measurement rounds per scenario; direct and router alternate (D R, R D, ...). */
  rounds: number;
  /** Unmeasured seconds per scenario and path before the rounds. */
  warmupSeconds: number;
  /** The bench origin's time divisor (1 = real H100 pace). */
  fleetSpeed: number;
  /** max_tokens of every request. */
  maxTokens: number;
  /** Which Miniflare layers sit around the router in workerd. */
  routerLayers: RouterLayers;
  /** Scenario ids to run (of the suites that have scenarios); null = all. */
  scenarios: string[] | null;
  /** Suite ids to run (BENCH_SUITES); null = all. */
  suites: string[] | null;
  /** Routing suite: measured calls per case, at most. */
  routingIterations: number;
  /** Routing suite: measured seconds per case, at most. */
  routingSeconds: number;
  /** Cache suite: measured seconds per scenario (split over the rounds). */
  cacheSeconds: number;
  /** Forward workerd's output. */
  verbose: boolean;
}

export class ConfigError extends Error {}

function num(env: NodeJS.ProcessEnv, name: string, fallback: number, check: (n: number) => boolean, what: string): number {
  const raw = env[name];
  if (raw === undefined || raw.trim() === "") return fallback;
  const n = Number(raw);
  if (!Number.isFinite(n) || !check(n)) throw new ConfigError(`${name} must be ${what}, got ${JSON.stringify(raw)}`);
  return n;
}

const positive = (n: number) => n > 0;
const positiveInt = (n: number) => n > 0 && Number.isInteger(n);

export function readConfig(env: NodeJS.ProcessEnv = process.env): BenchConfig {
  const layers = (env.BENCH_ROUTER || "direct").trim();
  if (layers !== "direct" && layers !== "miniflare") throw new ConfigError(`BENCH_ROUTER must be "direct" or "miniflare", got ${JSON.stringify(layers)}`);
  const requests = env.BENCH_REQUESTS?.trim() ? num(env, "BENCH_REQUESTS", 0, positiveInt, "a positive integer") : undefined;
  const list = (raw: string | undefined): string[] | null =>
    raw?.trim()
      ? raw
          .split(",")
          .map((s) => s.trim())
          .filter(Boolean)
      : null;
  const scenarios = list(env.BENCH_SCENARIOS);
  const suites = list(env.BENCH_SUITES);
  return {
    seconds: num(env, "BENCH_SECONDS", 8, positive, "a positive number"),
    requests,
    rounds: num(env, "BENCH_ROUNDS", 4, positiveInt, "a positive integer"),
    warmupSeconds: num(env, "BENCH_WARMUP_SECONDS", 1, (n) => n >= 0, "a number >= 0"),
    fleetSpeed: num(env, "FLEET_SPEED", 1000, positive, "a positive number"),
    maxTokens: num(env, "BENCH_MAX_TOKENS", 32, positiveInt, "a positive integer"),
    routerLayers: layers,
    scenarios,
    suites,
    routingIterations: num(env, "BENCH_ROUTING_ITERATIONS", 200_000, (n) => Number.isInteger(n) && n >= 400, "an integer >= 400"),
    routingSeconds: num(env, "BENCH_ROUTING_SECONDS", 2.5, positive, "a positive number"),
    cacheSeconds: num(env, "BENCH_CACHE_SECONDS", 1.5, positive, "a positive number"),
    verbose: env.BENCH_VERBOSE === "1",
  };
}
