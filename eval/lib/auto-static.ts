// `auto` against the two fixed choices on labelled prompts (pure): each prompt
// is classified, routed, and scored by what it costs and whether the model it
// got is at least as strong as its `good_enough` label.

import type { Random } from "../../worker/auto/bandit";
import type { CentroidSet } from "../../worker/auto/centroid-set";
import { chooseModel } from "../../worker/auto/choose-model";
import { classify } from "../../worker/auto/classify";
import type { PromptClass } from "../../worker/vocabulary/prompt-classes";
import { estimatePromptTokens } from "../../worker/metering/tokens";
import { OUTPUT_TOKENS, requestCostUsd, tierOf, tierOptions, type QualityTable, type Tiers } from "./auto-setup";
import type { LabelledPrompt, Tier } from "./prompts";

export interface RoutedPrompt {
  /** The labelled class (decides the answer's length). */
  class: PromptClass;
  /** What the classifier said (decides the route). */
  predicted: PromptClass;
  goodEnough: Tier;
  inputTokens: number;
}

/** Classifies labelled prompts (sent as one user message) and estimates their input tokens as metering does. */
export function routePrompts(prompts: readonly LabelledPrompt[], features: (text: string) => Float32Array, centroids: CentroidSet): RoutedPrompt[] {
  return prompts.map((p) => ({
    class: p.class,
    predicted: classify(features(p.prompt), centroids).class,
    goodEnough: p.goodEnough ?? "large", // unlabelled: assume it needs the strong model
    inputTokens: estimatePromptTokens({ messages: [{ role: "user", content: p.prompt }] }),
  }));
}

export interface PolicyScore {
  policy: string;
  requests: number;
  /** USD per 1,000 requests of this mix. */
  costPer1k: number;
  /** Share answered by a model at least as strong as the prompt needs. */
  goodEnough: number;
  /** Share sent to the small model. */
  onSmall: number;
}

export type Policy = (p: RoutedPrompt) => Tier;

export function score(policy: string, prompts: readonly RoutedPrompt[], tiers: Tiers, route: Policy): PolicyScore {
  let cost = 0;
  let good = 0;
  let small = 0;
  for (const p of prompts) {
    const tier = route(p);
    cost += requestCostUsd(tiers[tier].price, p.inputTokens, OUTPUT_TOKENS[p.class]);
    if (tier === "large" || p.goodEnough === "small") good++;
    if (tier === "small") small++;
  }
  const n = prompts.length;
  return { policy, requests: n, costPer1k: (1000 * cost) / n, goodEnough: good / n, onSmall: small / n };
}

/** `auto` from the seeded table, before any feedback: Thompson sampling over the priors. */
export function autoPolicy(tiers: Tiers, seeded: QualityTable, floor: number, strength: number, random: Random): Policy {
  return (p) => {
    const options = tierOptions(tiers, seeded, p.predicted, strength, null, p.inputTokens, OUTPUT_TOKENS[p.predicted]);
    return tierOf(tiers, chooseModel(options, floor, null, null, random).model);
  };
}

export const alwaysLarge: Policy = () => "large";
export const alwaysSmall: Policy = () => "small";
/** What a perfect judge of each prompt would do: the bound `auto` aims at. */
export const oracle: Policy = (p) => p.goodEnough;
