import { describe, expect, it } from "vitest";
import { scenarioPath, setupFor } from "./setup";
import type { KindSummary, SimSummary } from "./summary-json";
import { checkTargets, classifyPhases, mixCost } from "./targets";

const scenario = (name: string) => setupFor(scenarioPath(name), {}).scenario;

function kind(over: { p50?: number; p99?: number; last50?: number; last99?: number; errors?: number; cost?: number; requests?: number; p90?: number } = {}): KindSummary {
  return {
    requests: over.requests ?? 100,
    errors: over.errors ?? 0,
    cut: 0,
    ttftMs: { p50: over.p50 ?? 100, p90: over.p90 ?? 200, p99: over.p99 ?? 400 },
    timeToLastTokenMs: { p50: over.last50 ?? 1000, p90: 1500, p99: over.last99 ?? 2000 },
    costPerMTokensUsd: over.cost ?? 0.3,
    prefixCacheHitRate: 0,
    underTokensPerSFloor: 0,
  };
}

type Kinds = { streamed: KindSummary; nonStreamed: KindSummary };
function summary(phaseNames: string[], policies: Record<string, { phases: Kinds[]; overall: Kinds }>): SimSummary {
  return {
    version: 2,
    scenario: { name: "t", source: "t", seed: 1, minutes: 40, startUtcHour: 14, ratePerWeight: 1, warmupMinutes: 1, overridden: [] },
    wallMs: 1,
    policies: Object.entries(policies).map(([policy, p]) => ({
      policy,
      wallMs: 1,
      hedgedShare: 0,
      meanAttempts: 1,
      overall: p.overall,
      phases: p.phases.map((k, i) => ({ name: phaseNames[i]!, fromMinute: i, toMinute: i + 1, ...k })),
    })),
  };
}

describe("classifyPhases", () => {
  it("tells calm, failing and surging phases apart by the events before each", () => {
    // Frankfurt's slowdown is never recovered: the recovery phase still has a failing origin.
    expect(classifyPhases(scenario("failure"))).toEqual(["calm", "failure", "failure", "failure"]);
    expect(classifyPhases(scenario("regional-surge"))).toEqual(["calm", "surge", "calm"]);
    expect(classifyPhases(scenario("calm"))).toEqual(["calm"]);
  });
});

describe("checkTargets", () => {
  const same = { streamed: kind(), nonStreamed: kind() };

  it("holds a calm phase to 1.1x nearest's stream TTFT p50, and no further", () => {
    const nearest = { streamed: kind({ p50: 100 }), nonStreamed: kind({ last50: 1000, last99: 2000 }) };
    const run = (p50: number) =>
      checkTargets(scenario("calm"), summary(["start"], {
        meridian: { phases: [{ streamed: kind({ p50 }), nonStreamed: kind({ last50: 800, last99: 1600 }) }], overall: same },
        nearest: { phases: [nearest], overall: same },
        "latency-only": { phases: [same], overall: same },
      }));
    const p50 = (checks: ReturnType<typeof checkTargets>) => checks.find((c) => c.target === "calm: stream TTFT p50 vs nearest")!;
    expect(p50(run(110))).toMatchObject({ measured: 1.1, met: true });
    expect(p50(run(111)).met).toBe(false);
    expect(run(110).filter((c) => !c.met)).toEqual([]);
  });

  it("fails a failure phase that lost a request, however fast the rest was", () => {
    const calmWin = { streamed: kind(), nonStreamed: kind({ last50: 500, last99: 1000 }) };
    const phases = (errors: number) => [calmWin, ...[1, 2, 3].map(() => ({ streamed: kind({ p99: 10, errors }), nonStreamed: kind({ last99: 10 }) }))];
    const checks = checkTargets(scenario("failure"), summary(["before slowdown", "slowdown", "outage", "recovery"], {
      meridian: { phases: phases(1), overall: same },
      nearest: { phases: [same, same, same, same], overall: same },
      "latency-only": { phases: [same, same, same, same], overall: same },
    }));
    expect(checks.filter((c) => !c.met).map((c) => `${c.target} @ ${c.phase}`)).toEqual(["failure: errors @ slowdown", "failure: errors @ outage", "failure: errors @ recovery"]);
  });

  it("weighs cost by requests, and wants the cost policy cheapest of the error-free ones", () => {
    const priced = (stream: number, other: number, errors = 0) => ({ streamed: kind({ cost: stream, requests: 70, errors }), nonStreamed: kind({ cost: other, requests: 30 }) });
    expect(mixCost(priced(0.2, 0.3))).toBeCloseTo(0.23, 10);
    const checks = checkTargets(scenario("calm"), summary(["start"], {
      meridian: { phases: [same], overall: priced(0.2, 0.4) }, // 0.26
      nearest: { phases: [same], overall: priced(0.25, 0.25) },
      "latency-only": { phases: [same], overall: priced(0.25, 0.25) },
      cheapest: { phases: [same], overall: priced(0.1, 0.1, 5) }, // cheaper, but it lost requests
      "meridian-cost": { phases: [same], overall: priced(0.24, 0.24) },
      "lower bound": { phases: [same], overall: priced(0.01, 0.01) },
    }));
    const cost = (t: string) => checks.find((c) => c.target.startsWith(t))!;
    expect(cost("cost per 1M tokens vs latency-only")).toMatchObject({ met: false });
    expect(cost("cost per 1M tokens vs latency-only").measured).toBeCloseTo(0.26 / 0.25, 10);
    expect(cost("cost policy vs the cheapest")).toMatchObject({ met: true });
    expect(cost("cost policy vs the cheapest").measured).toBeCloseTo(0.24 / 0.25, 10);
  });

  it("asks the shared-prefix target only of a workload that mostly shares prefixes", () => {
    const run = (name: string, phases: string[]) =>
      checkTargets(scenario(name), summary(phases, {
        meridian: { phases: phases.map(() => same), overall: { streamed: kind({ p90: 100 }), nonStreamed: kind() } },
        nearest: { phases: phases.map(() => same), overall: { streamed: kind({ p90: 1000 }), nonStreamed: kind() } },
        "latency-only": { phases: phases.map(() => same), overall: { streamed: kind({ p90: 150 }), nonStreamed: kind() } },
      })).filter((c) => c.target.startsWith("shared prefixes"));
    expect(run("calm", ["start"])).toEqual([]);
    expect(run("shared-prefix", ["start"]).map((c) => [c.measured, c.met])).toEqual([[0.1, true], [100 / 150, false]]);
  });
});
