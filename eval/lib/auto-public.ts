// Scoring routing policies on labelled sets, public and own (pure).
//
// Definitions (printed by `npm run eval:auto` and in docs/auto.md):
// - answerable prompts: labelled weak-ok or strong-needed. both-fail prompts
//   (neither model of the pair answers them) are left out of the good-enough
//   share for every policy, and kept in the cost, where the oracle sends them
//   to the small model (no choice does better, so the cheapest is right).
// - good-enough share: of the answerable prompts, the share whose chosen model
//   succeeds per the labels: weak-ok with either model, strong-needed only with
//   the strong one. With escalation, a strong-needed prompt sent to the small
//   model counts as answered when it is escalated.
// - cost vs oracle: the policy's total cost over all prompts (answerable and
//   both-fail) divided by that of routing each prompt by its true label
//   (strong-needed to the strong model, everything else to the small one).
//   Costs come from the dev fleet's prices, the estimated input tokens and an
//   assumed answer length per set and class.

import { posterior, type Random } from "../../worker/auto/bandit";
import { chooseModel } from "../../worker/auto/choose-model";
import { difficultyShift, shiftedQuality, type DifficultyModel } from "../../worker/auto/difficulty";
import type { ModelOption } from "../../worker/auto/types";
import { estimatePromptTokens } from "../../worker/metering/tokens";
import type { PromptClass } from "../../worker/vocabulary/prompt-classes";
import type { FeaturedExample } from "./auto-features";
import { blendedPerM, requestCostUsd, TIERS_SMALL_FIRST, tierOf, type QualityTable, type Tiers } from "./auto-setup";
import type { Tier } from "./prompts";

export type ExamplePolicy = (e: FeaturedExample) => Tier;

/** A stated model of how well a cheap answer's own signals show that it is bad (escalation cannot be measured offline: the sets hold no answers). */
export interface EscalationModel {
  /** P(escalate | the small model's answer is not good enough). */
  recall: number;
  /** P(escalate | the small model's answer is good enough). */
  falseAlarm: number;
}

export interface SetScore {
  prompts: number;
  answerable: number;
  bothFail: number;
  /** NaN when the set has no labels. */
  goodEnough: number;
  costVsOracle: number;
  costVsLarge: number;
  onSmall: number;
  /** Share escalated (expected), 0 without escalation. */
  escalated: number;
  /** NaN where no class is known. */
  classAccuracy: number;
}

const inputTokens = new WeakMap<FeaturedExample, number>();
function tokensIn(e: FeaturedExample): number {
  let n = inputTokens.get(e);
  if (n === undefined) inputTokens.set(e, (n = estimatePromptTokens({ messages: [{ role: "user", content: e.prompt }] })));
  return n;
}

function cost(tiers: Tiers, tier: Tier, e: FeaturedExample): number {
  return requestCostUsd(tiers[tier].price, tokensIn(e), e.outputTokens);
}

export const alwaysSmallPolicy: ExamplePolicy = () => "small";
export const alwaysLargePolicy: ExamplePolicy = () => "large";
export const oraclePolicy: ExamplePolicy = (e) => (e.label === "strong-needed" ? "large" : "small");

export function scoreExamples(examples: readonly FeaturedExample[], tiers: Tiers, route: ExamplePolicy, escalation: EscalationModel | null = null): SetScore {
  let total = 0;
  let oracle = 0;
  let large = 0;
  let answerable = 0;
  let good = 0;
  let bothFail = 0;
  let small = 0;
  let escalated = 0;
  let classed = 0;
  let classRight = 0;
  for (const e of examples) {
    const tier = route(e);
    oracle += cost(tiers, oraclePolicy(e), e);
    large += cost(tiers, "large", e);
    total += cost(tiers, tier, e);
    if (tier === "small") {
      small++;
      if (escalation && e.label !== null) {
        const p = e.label === "weak-ok" ? escalation.falseAlarm : escalation.recall;
        escalated += p;
        total += p * cost(tiers, "large", e);
      }
    }
    if (e.class !== null) {
      classed++;
      if (e.predicted === e.class) classRight++;
    }
    if (e.label === "both-fail") bothFail++;
    if (e.label === "weak-ok" || e.label === "strong-needed") {
      answerable++;
      if (e.label === "weak-ok" || tier === "large") good++;
      else if (escalation) good += escalation.recall;
    }
  }
  const n = examples.length;
  return {
    prompts: n,
    answerable,
    bothFail,
    goodEnough: answerable ? good / answerable : NaN,
    costVsOracle: total / oracle,
    costVsLarge: total / large,
    onSmall: n ? small / n : NaN,
    escalated: n ? escalated / n : 0,
    classAccuracy: classed ? classRight / classed : NaN,
  };
}

/** What a policy of `auto` needs: the seeds, the floor, the prior strength, and optionally the difficulty model. */
export interface AutoSettings {
  seeded: QualityTable;
  floor: number;
  strength: number;
  difficulty: DifficultyModel | null;
}

/** The two options for one prompt as the request path builds them: seed of the predicted class, moved by the prompt's difficulty, priced for its tokens. */
export function exampleOptions(tiers: Tiers, s: AutoSettings, e: FeaturedExample): ModelOption[] {
  const cls: PromptClass = e.predicted;
  const shift = s.difficulty ? difficultyShift(e.features, cls, s.difficulty) : 0;
  return TIERS_SMALL_FIRST.map((tier) => {
    const { alpha, beta } = posterior(shiftedQuality(s.seeded[tier][cls], shift), s.strength, 0, 0);
    return { model: tiers[tier].model, pricePerM: blendedPerM(tiers[tier].price, tokensIn(e), e.outputTokens), ttftMs: null, alpha, beta };
  });
}

/** `auto` before any feedback: Thompson sampling over the (shifted) priors. */
export function autoExamplePolicy(tiers: Tiers, s: AutoSettings, random: Random): ExamplePolicy {
  return (e) => tierOf(tiers, chooseModel(exampleOptions(tiers, s, e), s.floor, null, null, random).model);
}

/** The seeds the difficulty model suggests: its per-class share for the small model; the strong model trusted as `largeSeed` everywhere. */
export function learnedSeeds(model: DifficultyModel, largeSeed: number): QualityTable {
  const small = { ...model.classPrior } as Record<PromptClass, number>;
  const large = Object.fromEntries(Object.keys(small).map((c) => [c, largeSeed])) as Record<PromptClass, number>;
  return { small, large };
}
