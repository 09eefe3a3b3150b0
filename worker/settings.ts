import { numberVar } from "./env";

/** Runtime settings read once per env object from wrangler.toml `[vars]`. */
export interface Settings {
  maxBodyBytes: number;
  ttftTimeoutMs: number;
  attemptTimeoutMs: number;
  totalTimeoutMs: number;
  maxAttempts: number;
  /** How old a region statistics snapshot may get before a background refresh. */
  snapshotRefreshMs: number;
  /** How long successful observations wait to be sent in one batch. */
  statsFlushMs: number;
  /** Share of requests sent to an origin the region has not measured yet. */
  exploreRate: number;
  /** Extra requests hedging may add, as a share of a tenant's requests. */
  hedgeBudget: number;
  /** How often an isolate asks a tenant's object whether its rules changed. */
  rulesCheckMs: number;
  /** How long a usage record waits for others to join its batch to the tenant's object. */
  usageFlushMs: number;
  devMode: boolean;
}

/** What a setting is when wrangler.toml `[vars]` leaves it out; the simulation (sim/) runs on these too. */
export const SETTING_DEFAULTS = {
  maxBodyBytes: 1_048_576,
  ttftTimeoutMs: 20_000,
  attemptTimeoutMs: 120_000,
  totalTimeoutMs: 300_000,
  maxAttempts: 3,
  snapshotRefreshMs: 1_000,
  statsFlushMs: 1_000,
  // Share of requests that go to an eligible origin the region has not yet measured, so priors give
  // way to measurements (the router would otherwise never learn that a farther origin is faster).
  exploreRate: 0.02,
  hedgeBudget: 0.05,
  rulesCheckMs: 2_000,
  usageFlushMs: 1_000,
} as const satisfies Omit<Settings, "devMode">;

const memo = new WeakMap<object, Settings>();

export function settings(env: Env): Settings {
  let s = memo.get(env);
  if (!s) {
    const d = SETTING_DEFAULTS;
    s = {
      maxBodyBytes: numberVar(env.MAX_BODY_BYTES, d.maxBodyBytes),
      ttftTimeoutMs: numberVar(env.TTFT_TIMEOUT_MS, d.ttftTimeoutMs),
      attemptTimeoutMs: numberVar(env.ATTEMPT_TIMEOUT_MS, d.attemptTimeoutMs),
      totalTimeoutMs: numberVar(env.TOTAL_TIMEOUT_MS, d.totalTimeoutMs),
      maxAttempts: numberVar(env.MAX_ATTEMPTS, d.maxAttempts),
      snapshotRefreshMs: numberVar(env.SNAPSHOT_REFRESH_MS, d.snapshotRefreshMs),
      statsFlushMs: numberVar(env.STATS_FLUSH_MS, d.statsFlushMs),
      exploreRate: share(env.EXPLORE_RATE, d.exploreRate),
      hedgeBudget: share(env.HEDGE_BUDGET, d.hedgeBudget),
      rulesCheckMs: numberVar(env.RULES_CHECK_MS, d.rulesCheckMs),
      usageFlushMs: numberVar(env.USAGE_FLUSH_MS, d.usageFlushMs),
      devMode: env.MERIDIAN_DEV === "true",
    };
    memo.set(env, s);
  }
  return s;
}

/** A share in [0, 1]; zero is a valid setting (it turns the feature off). */
function share(value: string | undefined, fallback: number): number {
  const n = Number(value);
  return value !== undefined && value !== "" && Number.isFinite(n) && n >= 0 ? Math.min(1, n) : fallback;
}
