import { describe, expect, it } from "vitest";
import type { FeaturedExample } from "./lib/auto-features";
import { alwaysLargePolicy, alwaysSmallPolicy, oraclePolicy, scoreExamples } from "./lib/auto-public";
import { parseMtBench, parseOwnSet, parseScoredSet, type RouteLabel } from "./lib/auto-sets";
import { devTiers } from "./lib/auto-setup";

const tiers = devTiers();
const ex = (label: RouteLabel | null, i: number): FeaturedExample => ({
  set: "t",
  id: `t/${i}`,
  prompt: `prompt number ${i} with some words`,
  split: "tuning",
  label,
  class: null,
  outputTokens: 100,
  features: new Float32Array(0),
  predicted: "chat",
});

describe("scoreExamples", () => {
  const rows = [ex("weak-ok", 1), ex("weak-ok", 2), ex("strong-needed", 3), ex("both-fail", 4)];

  it("leaves both-fail out of the good-enough share and prices it as the oracle would (small)", () => {
    const small = scoreExamples(rows, tiers, alwaysSmallPolicy);
    expect(small).toMatchObject({ prompts: 4, answerable: 3, bothFail: 1 });
    expect(small.goodEnough).toBeCloseTo(2 / 3, 12);
    expect(scoreExamples(rows, tiers, alwaysLargePolicy).goodEnough).toBe(1);
    const oracle = scoreExamples(rows, tiers, oraclePolicy);
    expect(oracle.goodEnough).toBe(1);
    expect(oracle.costVsOracle).toBeCloseTo(1, 12);
    expect(small.costVsOracle).toBeLessThan(1);
    expect(scoreExamples(rows, tiers, alwaysLargePolicy).costVsOracle).toBeGreaterThan(1);
  });

  it("counts an escalation model's expected gain and its double cost", () => {
    const plain = scoreExamples(rows, tiers, alwaysSmallPolicy);
    const esc = scoreExamples(rows, tiers, alwaysSmallPolicy, { recall: 0.5, falseAlarm: 0 });
    expect(esc.goodEnough).toBeCloseTo((2 + 0.5) / 3, 12);
    // Escalated: half of the strong-needed and half of the both-fail prompts, each paying both calls.
    expect(esc.escalated).toBeCloseTo(1 / 4, 12);
    expect(esc.costVsOracle).toBeGreaterThan(plain.costVsOracle);
  });

  it("has no good-enough share for unlabelled prompts", () => {
    expect(scoreExamples([ex(null, 1)], tiers, alwaysSmallPolicy).goodEnough).toBeNaN();
  });
});

describe("the routing sets' parsers", () => {
  it("leave out contaminated and suspect rows, and read MMLU's labels", () => {
    const line = (o: object) => JSON.stringify({ prompt: "q", task_family: "multiple-choice-knowledge", route_label: "weak-ok", ...o });
    const set = parseScoredSet("mmlu", [line({ id: "a" }), line({ id: "b", routellm_contaminated: true }), line({ id: "c", strong_label_suspect: true }), line({ id: "d", route_label: "both-fail" })].join("\n"));
    expect(set.excluded).toBe(2);
    expect(set.examples.map((e) => [e.id, e.label, e.class, e.outputTokens])).toEqual([
      ["a", "weak-ok", null, 60],
      ["d", "both-fail", null, 60],
    ]);
    expect(() => parseScoredSet("mmlu", line({ route_label: "__proto__" }))).toThrow(/route_label/);
  });

  it("label MT-Bench by turn 1's judge gap and map its family to a class", () => {
    const row = (gap: number, family: string) => JSON.stringify({ id: family, prompt: family, task_family: family, weak_score_turn1: 10 - gap, strong_score_turn1: 10 });
    const set = parseMtBench([row(2, "coding"), row(1, "writing"), row(3, "constructor")].join("\n"));
    expect(set.examples.map((e) => [e.label, e.class])).toEqual([
      ["strong-needed", "coding"],
      ["weak-ok", "other"],
      ["strong-needed", null],
    ]);
  });

  it("read the own set's good_enough as labels", () => {
    const set = parseOwnSet(['{"class":"chat","prompt":"hi","good_enough":"small"}', '{"class":"math","prompt":"prove it","good_enough":"large"}'].join("\n"));
    expect(set.examples.map((e) => [e.label, e.class])).toEqual([
      ["weak-ok", "chat"],
      ["strong-needed", "math"],
    ]);
  });
});
