import { describe, expect, it } from "vitest";
import { lowerBoundOf, loadOf, runPolicies, setupFor, DEFAULT_SCENARIO } from "./setup";
import { simSummary, SUMMARY_VERSION } from "./summary-json";

describe("SIM_JSON summary", () => {
  // A few hundred requests: the shape, not the numbers.
  const setup = setupFor(DEFAULT_SCENARIO, { SIM_MINUTES: "4", SIM_RATE: "0.03", SIM_SEED: "5" });
  const requests = loadOf(setup);
  const results = [...runPolicies(setup, ["meridian", "nearest"]), lowerBoundOf(setup, requests)];
  const summary = JSON.parse(JSON.stringify(simSummary(setup, results, 1234.5)));

  it("says which scenario and settings it ran", () => {
    expect(summary.version).toBe(SUMMARY_VERSION);
    expect(summary.scenario).toMatchObject({ name: "failure", seed: 5, minutes: 4, ratePerWeight: 0.03, warmupMinutes: 1 });
    expect(summary.scenario.overridden).toEqual(["SIM_MINUTES=4", "SIM_SEED=5", "SIM_RATE=0.03"]);
    expect(summary.wallMs).toBe(1235);
  });

  it("has every policy, phase and request kind with the same fields", () => {
    expect(summary.policies.map((p: { policy: string }) => p.policy)).toEqual(["meridian", "nearest", "lower bound"]);
    const kindKeys = ["costPerMTokensUsd", "cut", "errors", "prefixCacheHitRate", "requests", "timeToLastTokenMs", "ttftMs", "underTokensPerSFloor"];
    for (const p of summary.policies) {
      expect(Object.keys(p).sort()).toEqual(["hedgedShare", "meanAttempts", "overall", "phases", "policy", "wallMs"]);
      expect(p.phases.map((ph: { name: string }) => ph.name)).toEqual(["before slowdown", "slowdown", "outage", "recovery"]);
      for (const k of [p.overall, ...p.phases]) {
        for (const kind of [k.streamed, k.nonStreamed]) {
          expect(Object.keys(kind).sort()).toEqual(kindKeys);
          for (const q of [kind.ttftMs, kind.timeToLastTokenMs]) {
            expect(Object.keys(q)).toEqual(["p50", "p90", "p99"]);
            for (const v of Object.values(q)) expect(v === null || (typeof v === "number" && v >= 0)).toBe(true);
          }
          expect(kind.prefixCacheHitRate).toBeGreaterThanOrEqual(0);
          expect(kind.prefixCacheHitRate).toBeLessThanOrEqual(1);
          expect(kind.underTokensPerSFloor).toBeGreaterThanOrEqual(0);
          expect(kind.underTokensPerSFloor).toBeLessThanOrEqual(1);
        }
      }
      const counted = p.overall.streamed.requests + p.overall.nonStreamed.requests;
      expect(counted).toBe(requests.filter((r) => r.at >= 60_000).length);
    }
  });

  it("an empty percentile is null, not NaN", () => {
    const phases = summary.policies[0].phases;
    const empty = phases.flatMap((p: any) => [p.streamed, p.nonStreamed]).find((k: any) => k.requests === 0);
    if (empty) expect(empty.ttftMs).toEqual({ p50: null, p90: null, p99: null });
    // The lower bound never beats... itself being a bound: every policy's p50 TTFT is at least its.
    const bound = summary.policies[2].overall.streamed.ttftMs.p50;
    for (const p of summary.policies.slice(0, 2)) expect(p.overall.streamed.ttftMs.p50).toBeGreaterThanOrEqual(bound);
  });
});
