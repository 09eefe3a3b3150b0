// The headline of `npm run eval:auto` (a): on the held-out prompts, auto from
// the seeded table is much cheaper than always-large and much more often good
// enough than always-small, and a raised floor moves traffic up.

import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { rng } from "../sim/rng";
import { DEFAULT_PRIOR_STRENGTH } from "../worker/auto/bandit";
import { DEFAULT_CENTROIDS } from "../worker/auto/centroids";
import { devTiers, SEEDED_QUALITY } from "./lib/auto-setup";
import { alwaysLarge, alwaysSmall, autoPolicy, oracle, routePrompts, score, type RoutedPrompt } from "./lib/auto-static";
import { parseLabelledPrompts } from "./lib/prompts";
import { referenceFeatures } from "./lib/reference-features";

const tiers = devTiers();

describe("score", () => {
  const prompts: RoutedPrompt[] = [
    { class: "chat", predicted: "chat", goodEnough: "small", inputTokens: 1000 },
    { class: "math", predicted: "chat", goodEnough: "large", inputTokens: 1000 },
  ];

  it("counts cost, good-enough answers and traffic on the small model", () => {
    const s = score("small", prompts, tiers, alwaysSmall);
    // chat: 1000 in + 60 out, math: 1000 in + 350 out, at $0.03 / $0.06 per 1M.
    expect(s.costPer1k).toBeCloseTo((1000 * ((1000 * 0.03 + 60 * 0.06) + (1000 * 0.03 + 350 * 0.06))) / 1e6 / 2, 12);
    expect(s).toMatchObject({ requests: 2, goodEnough: 0.5, onSmall: 1 });
    expect(score("large", prompts, tiers, alwaysLarge)).toMatchObject({ goodEnough: 1, onSmall: 0 });
    expect(score("oracle", prompts, tiers, oracle)).toMatchObject({ goodEnough: 1, onSmall: 0.5 });
  });
});

describe("auto on the held-out prompts", () => {
  const { prompts } = parseLabelledPrompts(readFileSync(new URL("./auto-prompts.jsonl", import.meta.url), "utf8"));
  const routed = routePrompts(prompts, referenceFeatures(), DEFAULT_CENTROIDS);
  const auto = (floor: number) => score("auto", routed, tiers, autoPolicy(tiers, SEEDED_QUALITY, floor, DEFAULT_PRIOR_STRENGTH, rng(1, "test")));
  const large = score("large", routed, tiers, alwaysLarge);
  const small = score("small", routed, tiers, alwaysSmall);

  it("costs well below always-large and is good enough far more often than always-small", () => {
    const a = auto(0.7);
    expect(a.costPer1k).toBeLessThan(0.8 * large.costPer1k);
    expect(a.goodEnough).toBeGreaterThan(small.goodEnough + 0.25);
    expect(a.goodEnough).toBeGreaterThan(0.8);
  });

  it("sends easy chat to the small model and hard coding and maths to the large one", () => {
    const policy = autoPolicy(tiers, SEEDED_QUALITY, 0.7, DEFAULT_PRIOR_STRENGTH, rng(2, "test"));
    const onSmall = (pick: (p: RoutedPrompt) => boolean) => {
      const chosen = routed.filter(pick);
      return chosen.filter((p) => policy(p) === "small").length / chosen.length;
    };
    expect(onSmall((p) => p.class === "chat" && p.goodEnough === "small")).toBeGreaterThan(0.75);
    expect(onSmall((p) => (p.class === "coding" || p.class === "math") && p.goodEnough === "large")).toBeLessThan(0.2);
  });

  it("moves traffic up as the floor rises", () => {
    const floors = [0.5, 0.7, 0.9].map(auto);
    expect(floors[0]!.onSmall).toBeGreaterThan(floors[1]!.onSmall + 0.1);
    expect(floors[1]!.onSmall).toBeGreaterThan(floors[2]!.onSmall + 0.1);
    expect(floors[0]!.goodEnough).toBeLessThan(floors[2]!.goodEnough);
    expect(floors[0]!.costPer1k).toBeLessThan(floors[2]!.costPer1k);
  });
});
