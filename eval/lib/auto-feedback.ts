// A simulated feedback loop for `auto` (pure, seeded): requests arrive with
// classes drawn from a mix, each is routed by chooseModel over the seeded
// priors plus the evidence so far, and a simulated user rates the answer good
// with a hidden probability per (tier, class), which may silently drop midway.
// Ratings reach the table in batches, as they do through the tenant's object.
// The classifier is taken as right here: its accuracy is measured separately.

import { addRating } from "../../worker/auto/bandit";
import { chooseModel } from "../../worker/auto/choose-model";
import { PROMPT_CLASSES, type PromptClass } from "../../worker/vocabulary/prompt-classes";
import { rng } from "../../sim/rng";
import { OUTPUT_TOKENS, requestCostUsd, tierOf, tierOptions, type ClassEvidence, type QualityTable, type Tiers } from "./auto-setup";
import type { Tier } from "./prompts";

export interface QualityDrop {
  class: PromptClass;
  tier: Tier;
  /** The hidden quality from then on. */
  to: number;
  /** Index of the first request that sees it. */
  atRequest: number;
}

export interface FeedbackConfig {
  tiers: Tiers;
  seeded: QualityTable;
  /** The hidden P(good) per tier and class. */
  truth: QualityTable;
  /** Requests draw one of these uniformly: its class and its input tokens. */
  mix: readonly { class: PromptClass; inputTokens: number }[];
  requests: number;
  floor: number;
  strength: number;
  decay: number;
  /** Requests between two applications of the ratings collected meanwhile. */
  batch: number;
  drop: QualityDrop | null;
  seed: number;
}

export interface FeedbackEvent {
  class: PromptClass;
  tier: Tier;
  good: boolean;
  costUsd: number;
}

export function simulateFeedback(c: FeedbackConfig): FeedbackEvent[] {
  // One random stream per kind of draw and class (common random numbers): the
  // arrivals are the same whatever the bandit does, and a class's routing and
  // ratings depend on nothing but its own history, so a run with a drop in one
  // class can be compared request for request with a run without it.
  const arrivals = rng(c.seed, "arrivals");
  const sampling = perClass((cls) => rng(c.seed, `thompson:${cls}`));
  const users = perClass((cls) => rng(c.seed, `ratings:${cls}`));
  const evidence = perClass<ClassEvidence>(() => ({ small: { good: 0, bad: 0 }, large: { good: 0, bad: 0 } }));
  const pending: { class: PromptClass; tier: Tier; rating: number }[] = [];
  const events: FeedbackEvent[] = [];

  for (let t = 0; t < c.requests; t++) {
    const prompt = c.mix[Math.floor(arrivals() * c.mix.length)]!;
    const cls = prompt.class;
    const outputTokens = OUTPUT_TOKENS[cls];
    const options = tierOptions(c.tiers, c.seeded, cls, c.strength, evidence[cls], prompt.inputTokens, outputTokens);
    const tier = tierOf(c.tiers, chooseModel(options, c.floor, null, null, sampling[cls]).model);
    const dropped = c.drop !== null && t >= c.drop.atRequest && c.drop.class === cls && c.drop.tier === tier;
    const good = users[cls]() < (dropped ? c.drop!.to : c.truth[tier][cls]);
    events.push({ class: cls, tier, good, costUsd: requestCostUsd(c.tiers[tier].price, prompt.inputTokens, outputTokens) });
    pending.push({ class: cls, tier, rating: good ? 1 : 0 });
    if (pending.length >= c.batch) {
      for (const r of pending) addRating(evidence[r.class][r.tier], r.rating, c.decay);
      pending.length = 0;
    }
  }
  return events;
}

function perClass<T>(make: (cls: PromptClass) => T): Record<PromptClass, T> {
  return Object.fromEntries(PROMPT_CLASSES.map((cls) => [cls, make(cls)])) as Record<PromptClass, T>;
}

/** Share of a class's requests in [from, to) that went to the small model (NaN when there are none). */
export function smallShare(events: readonly FeedbackEvent[], cls: PromptClass, from = 0, to = events.length): number {
  let n = 0;
  let small = 0;
  for (let t = from; t < to; t++) {
    const e = events[t]!;
    if (e.class !== cls) continue;
    n++;
    if (e.tier === "small") small++;
  }
  return n === 0 ? NaN : small / n;
}

export interface Window {
  /** Request index of the window's first and last request of the class. */
  first: number;
  last: number;
  onSmall: number;
}

/** Consecutive windows of `size` requests of one class, with the share of each on the small model. */
export function classWindows(events: readonly FeedbackEvent[], cls: PromptClass, size: number): Window[] {
  const windows: Window[] = [];
  let first = -1;
  let n = 0;
  let small = 0;
  events.forEach((e, t) => {
    if (e.class !== cls) return;
    if (n === 0) first = t;
    n++;
    if (e.tier === "small") small++;
    if (n === size) {
      windows.push({ first, last: t, onSmall: small / n });
      n = 0;
      small = 0;
    }
  });
  return windows;
}

/**
 * Requests of a class from `from` on until the share on the small model over
 * the class's last `trailing` requests first falls below `threshold`; null if
 * it never does. The count includes the trailing window, so it is at least
 * `trailing`·(1 − threshold) even for an instant switch.
 */
export function requestsUntilBelow(events: readonly FeedbackEvent[], cls: PromptClass, from: number, threshold: number, trailing: number): number | null {
  const recent: boolean[] = [];
  let small = 0;
  let seen = 0;
  for (let t = from; t < events.length; t++) {
    const e = events[t]!;
    if (e.class !== cls) continue;
    seen++;
    const onSmall = e.tier === "small";
    recent.push(onSmall);
    if (onSmall) small++;
    if (recent.length > trailing && recent.shift()) small--;
    if (recent.length === trailing && small / trailing < threshold) return seen;
  }
  return null;
}

/** Share of answers rated good and USD per 1,000 requests over [from, to). */
export function outcome(events: readonly FeedbackEvent[], from = 0, to = events.length): { good: number; costPer1k: number } {
  let good = 0;
  let cost = 0;
  for (let t = from; t < to; t++) {
    if (events[t]!.good) good++;
    cost += events[t]!.costUsd;
  }
  const n = Math.max(1, to - from);
  return { good: good / n, costPer1k: (1000 * cost) / n };
}
