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

const memo = new WeakMap<object, Settings>();

export function settings(env: Env): Settings {
  let s = memo.get(env);
  if (!s) {
    s = {
      maxBodyBytes: numberVar(env.MAX_BODY_BYTES, 1_048_576),
      ttftTimeoutMs: numberVar(env.TTFT_TIMEOUT_MS, 20_000),
      attemptTimeoutMs: numberVar(env.ATTEMPT_TIMEOUT_MS, 120_000),
      totalTimeoutMs: numberVar(env.TOTAL_TIMEOUT_MS, 300_000),
      maxAttempts: numberVar(env.MAX_ATTEMPTS, 3),
      snapshotRefreshMs: numberVar(env.SNAPSHOT_REFRESH_MS, 1_000),
      statsFlushMs: numberVar(env.STATS_FLUSH_MS, 1_000),
      exploreRate: share(env.EXPLORE_RATE, 0.02),
      hedgeBudget: share(env.HEDGE_BUDGET, 0.05),
      rulesCheckMs: numberVar(env.RULES_CHECK_MS, 2_000),
      usageFlushMs: numberVar(env.USAGE_FLUSH_MS, 1_000),
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
