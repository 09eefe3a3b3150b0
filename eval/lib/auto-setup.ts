// The world the `auto` evaluation runs in: two models of the dev fleet (their
// real prices), the seeded quality table a tenant would write, token counts
// and the options chooseModel sees. Pure.

import { DEFAULT_FLEET, type FleetOriginSpec } from "../../fleet/fleet";
import { posterior } from "../../worker/auto/bandit";
import type { ModelOption } from "../../worker/auto/types";
import type { PromptClass } from "../../worker/vocabulary/prompt-classes";
import type { Tier } from "./prompts";

export interface Price {
  input_per_m: number;
  output_per_m: number;
}

export interface TierModel {
  model: string;
  price: Price;
}

export type Tiers = Record<Tier, TierModel>;
/** P(good enough) per tier and class. */
export type QualityTable = Record<Tier, Record<PromptClass, number>>;

export const TIERS_SMALL_FIRST: readonly Tier[] = ["small", "large"];

/** The cheapest origin's price for a model (what the router's list price does for a request not yet served). */
export function cheapestPrice(fleet: readonly FleetOriginSpec[], model: string): Price {
  let best: Price | null = null;
  for (const o of fleet) {
    if (!o.models.includes(model)) continue;
    if (!best || o.price.input_per_m + o.price.output_per_m < best.input_per_m + best.output_per_m) best = o.price;
  }
  if (!best) throw new Error(`no origin in the fleet serves ${model}`);
  return best;
}

/** The dev fleet's 1.5B-class and 8B-class models. */
export function devTiers(fleet: readonly FleetOriginSpec[] = DEFAULT_FLEET): Tiers {
  return {
    small: { model: "llama-1.5b", price: cheapestPrice(fleet, "llama-1.5b") },
    large: { model: "llama-8b", price: cheapestPrice(fleet, "llama-8b") },
  };
}

/**
 * What a tenant might seed before any feedback: per class, the chance that
 * the 1.5B model is good enough (easy chat yes, maths rarely); the 8B model
 * is trusted everywhere.
 */
export const SEEDED_QUALITY: QualityTable = {
  small: { chat: 0.9, extraction: 0.75, coding: 0.45, math: 0.35, summarization: 0.6, other: 0.7 },
  large: { chat: 0.92, extraction: 0.92, coding: 0.92, math: 0.92, summarization: 0.92, other: 0.92 },
};

/** Typical answer lengths per class, in tokens: a line of chat, a JSON object, a function with its explanation, a worked solution. */
export const OUTPUT_TOKENS: Record<PromptClass, number> = { chat: 60, extraction: 150, coding: 450, math: 350, summarization: 200, other: 350 };

export function requestCostUsd(price: Price, inputTokens: number, outputTokens: number): number {
  return (inputTokens * price.input_per_m + outputTokens * price.output_per_m) / 1e6;
}

/** USD per 1M tokens over one request's input and output (what ModelOption.pricePerM means). */
export function blendedPerM(price: Price, inputTokens: number, outputTokens: number): number {
  const total = inputTokens + outputTokens;
  return total > 0 ? (inputTokens * price.input_per_m + outputTokens * price.output_per_m) / total : price.input_per_m;
}

/** Evidence per tier for one class (decayed rating sums), as the tenant's object would hold it. */
export type ClassEvidence = Record<Tier, { good: number; bad: number }>;

/** The two options of one request: the seeded prior plus the evidence, priced for this request's tokens. */
export function tierOptions(
  tiers: Tiers,
  seeded: QualityTable,
  cls: PromptClass,
  strength: number,
  evidence: ClassEvidence | null,
  inputTokens: number,
  outputTokens: number,
): ModelOption[] {
  return TIERS_SMALL_FIRST.map((tier) => {
    const { alpha, beta } = posterior(seeded[tier][cls], strength, evidence?.[tier].good ?? 0, evidence?.[tier].bad ?? 0);
    return { model: tiers[tier].model, pricePerM: blendedPerM(tiers[tier].price, inputTokens, outputTokens), ttftMs: null, alpha, beta };
  });
}

export function tierOf(tiers: Tiers, model: string): Tier {
  return model === tiers.small.model ? "small" : "large";
}
