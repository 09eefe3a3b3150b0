// The machine-readable summary `SIM_JSON=path` writes: per policy, phase and
// request kind, the numbers of the tables. Times in ms, money in USD per 1M
// tokens, shares in 0..1; a percentile with no samples is null.
import type { KindStats, PolicyResult } from "./metrics";
import type { Setup } from "./setup";

export const SUMMARY_VERSION = 2;

export interface KindSummary {
  requests: number;
  errors: number;
  cut: number;
  ttftMs: { p50: number | null; p90: number | null; p99: number | null };
  timeToLastTokenMs: { p50: number | null; p90: number | null; p99: number | null };
  costPerMTokensUsd: number;
  prefixCacheHitRate: number;
  /** Share of complete answers (two tokens or more) slower than the default tokens/s floor after their first token. */
  underTokensPerSFloor: number;
}

export interface SimSummary {
  version: number;
  scenario: { name: string; source: string; seed: number; minutes: number; startUtcHour: number; ratePerWeight: number; warmupMinutes: number; overridden: string[] };
  wallMs: number;
  policies: {
    policy: string;
    wallMs: number;
    hedgedShare: number;
    meanAttempts: number;
    overall: { streamed: KindSummary; nonStreamed: KindSummary };
    phases: { name: string; fromMinute: number; toMinute: number; streamed: KindSummary; nonStreamed: KindSummary }[];
  }[];
}

const finite = (n: number): number | null => (Number.isFinite(n) ? Math.round(n * 10) / 10 : null);

function kind(k: KindStats): KindSummary {
  return {
    requests: k.requests,
    errors: k.errors,
    cut: k.cut,
    ttftMs: { p50: finite(k.ttft.p50), p90: finite(k.ttft.p90), p99: finite(k.ttft.p99) },
    timeToLastTokenMs: { p50: finite(k.ttlt.p50), p90: finite(k.ttlt.p90), p99: finite(k.ttlt.p99) },
    costPerMTokensUsd: Math.round(k.costPerM * 1e6) / 1e6,
    prefixCacheHitRate: Math.round(k.prefixHitRate * 1e4) / 1e4,
    underTokensPerSFloor: Math.round(k.underFloor * 1e4) / 1e4,
  };
}

export function simSummary(setup: Setup, results: readonly PolicyResult[], wallMs: number): SimSummary {
  const s = setup.scenario;
  return {
    version: SUMMARY_VERSION,
    scenario: {
      name: s.name,
      source: setup.source,
      seed: s.seed,
      minutes: s.durationMs / 60_000,
      startUtcHour: s.startUtcHour,
      ratePerWeight: s.load.ratePerWeight,
      warmupMinutes: s.warmupMs / 60_000,
      overridden: setup.overridden,
    },
    wallMs: Math.round(wallMs),
    policies: results.map((r) => {
      const n = r.overall.streamed.requests + r.overall.nonStreamed.requests;
      return {
        policy: r.policy,
        wallMs: Math.round(r.run.wallMs),
        hedgedShare: n ? r.overall.hedged / n : 0,
        meanAttempts: r.overall.meanAttempts,
        overall: { streamed: kind(r.overall.streamed), nonStreamed: kind(r.overall.nonStreamed) },
        phases: r.phases.map((p) => ({ name: p.name, fromMinute: p.from / 60_000, toMinute: p.to / 60_000, streamed: kind(p.kinds.streamed), nonStreamed: kind(p.kinds.nonStreamed) })),
      };
    }),
  };
}
