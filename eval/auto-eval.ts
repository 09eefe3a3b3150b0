// `npm run eval:auto [-- --seed N] [--floor X] [--requests N]`
//
// Evaluates `model: "auto"` between the dev fleet's 1.5B and 8B models:
// (a) on every labelled set, own (eval/auto-prompts.jsonl) and public
//     (../shared/data/routing), each split into tuning and held-out parts:
//     auto against always-small, always-large and the oracle (routing by the
//     true labels), the floor sweep and escalation (eval/lib/auto-report.ts);
// (b) a simulated feedback run in which the small model's quality for one
//     class silently drops midway: how fast the bandit moves that class away,
//     and that the other classes stay put; with a sweep of prior strength and
//     forgetting. Deterministic for a seed.

import { readFileSync } from "node:fs";
import { DEFAULT_PRIOR_STRENGTH, EVIDENCE_DECAY } from "../worker/auto/bandit";
import { DEFAULT_CENTROIDS } from "../worker/auto/centroids";
import { PROMPT_CLASSES, type PromptClass } from "../worker/vocabulary/prompt-classes";
import { devTiers, OUTPUT_TOKENS, SEEDED_QUALITY, type QualityTable, type Tiers } from "./lib/auto-setup";
import { classWindows, outcome, requestsUntilBelow, simulateFeedback, smallShare, type FeedbackConfig } from "./lib/auto-feedback";
import { routePrompts, type RoutedPrompt } from "./lib/auto-static";
import { featureSets } from "./lib/auto-features";
import { setsPart } from "./lib/auto-report";
import { loadRoutingSets } from "./lib/auto-sets";
import { markdownTable } from "./lib/metrics";
import { parseLabelledPrompts } from "./lib/prompts";
import { referenceFeatures } from "./lib/reference-features";
import { rng } from "../sim/rng";

const FLOORS = [0.5, 0.6, 0.7, 0.8, 0.9];
const SWEEP_STRENGTHS = [5, 10, 20];
const SWEEP_DECAYS = [1, 0.99, 0.98, 0.95];
/** The hidden truth of the feedback run: P(good) per tier and class. */
export const HIDDEN_QUALITY: QualityTable = {
  small: { chat: 0.92, extraction: 0.85, coding: 0.4, math: 0.3, summarization: 0.62, other: 0.75 },
  large: { chat: 0.95, extraction: 0.94, coding: 0.9, math: 0.87, summarization: 0.92, other: 0.93 },
};
const DROP_CLASS: PromptClass = "extraction";
const DROP_TO = 0.3;
/** Trailing window and threshold for "moved away". */
const TRAILING = 20;
const MOVED_BELOW = 0.2;
const SERIES_WINDOW = 100;

export interface Options {
  seed: number;
  floor: number;
  requests: number;
}

function parseArgs(argv: string[]): Options {
  const o: Options = { seed: 1, floor: 0.7, requests: 12_000 };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    const n = Number(argv[++i]);
    if (arg === "--seed" && Number.isInteger(n)) o.seed = n;
    else if (arg === "--floor" && n >= 0 && n <= 1) o.floor = n;
    else if (arg === "--requests" && Number.isInteger(n) && n >= 600) o.requests = n;
    else {
      console.error("usage: npm run eval:auto -- [--seed N] [--floor 0..1] [--requests N≥600]");
      process.exit(2);
    }
  }
  return o;
}

const pct = (x: number, digits = 1) => (Number.isFinite(x) ? `${(100 * x).toFixed(digits)}%` : "–");
const usd = (x: number) => x.toFixed(4);

function main(): void {
  const o = parseArgs(process.argv.slice(2));
  const tiers = devTiers();
  const { prompts, errors } = parseLabelledPrompts(readFileSync(new URL("./auto-prompts.jsonl", import.meta.url), "utf8"));
  for (const e of errors) console.error(`eval/auto-prompts.jsonl: ${e}`);
  const routed = routePrompts(prompts, referenceFeatures(), DEFAULT_CENTROIDS);

  console.log("# `auto` evaluation\n");
  console.log(
    `Models: small = ${tiers.small.model} ($${tiers.small.price.input_per_m}/$${tiers.small.price.output_per_m} per 1M input/output), ` +
      `large = ${tiers.large.model} ($${tiers.large.price.input_per_m}/$${tiers.large.price.output_per_m}), the cheapest dev-fleet origin of each. ` +
      `Prior strength ${DEFAULT_PRIOR_STRENGTH}, evidence decay ${EVIDENCE_DECAY}, seed ${o.seed}.\n`,
  );
  console.log(markdownTable(["", ...PROMPT_CLASSES], [
    ["seeded P(small good enough)", ...PROMPT_CLASSES.map((c) => SEEDED_QUALITY.small[c].toFixed(2))],
    ["seeded P(large good enough)", ...PROMPT_CLASSES.map((c) => SEEDED_QUALITY.large[c].toFixed(2))],
    ["answer tokens assumed", ...PROMPT_CLASSES.map((c) => String(OUTPUT_TOKENS[c]))],
  ]) + "\n");
  setsPart(featureSets(loadRoutingSets(new URL("./auto-prompts.jsonl", import.meta.url)), DEFAULT_CENTROIDS), tiers, o);
  feedbackPart(routed, tiers, o);
}

function feedbackConfig(routed: RoutedPrompt[], tiers: Tiers, o: Options, strength: number, decay: number, drop = true): FeedbackConfig {
  return {
    tiers,
    seeded: SEEDED_QUALITY,
    truth: HIDDEN_QUALITY,
    mix: routed,
    requests: o.requests,
    floor: o.floor,
    strength,
    decay,
    batch: 10,
    drop: drop ? { class: DROP_CLASS, tier: "small", to: DROP_TO, atRequest: Math.floor(o.requests / 2) } : null,
    seed: o.seed,
  };
}

function feedbackPart(routed: RoutedPrompt[], tiers: Tiers, o: Options): void {
  const half = Math.floor(o.requests / 2);
  const events = simulateFeedback(feedbackConfig(routed, tiers, o, DEFAULT_PRIOR_STRENGTH, EVIDENCE_DECAY));
  console.log(`## (b) Simulated feedback: ${o.requests.toLocaleString("en-US")} requests, floor ${o.floor}\n`);
  console.log(
    `Classes drawn from the eval mix; every answer rated (good with the hidden probability below), ratings applied in batches of 10 requests. ` +
      `At request ${half.toLocaleString("en-US")} the small model's quality for ${DROP_CLASS} silently drops from ${HIDDEN_QUALITY.small[DROP_CLASS]} to ${DROP_TO}.\n`,
  );
  console.log(markdownTable(["", ...PROMPT_CLASSES], (["small", "large"] as const).map((t) => [`hidden P(${t} good)`, ...PROMPT_CLASSES.map((c) => HIDDEN_QUALITY[t][c].toFixed(2))])) + "\n");

  const quarter = Math.floor(o.requests / 4);
  const control = simulateFeedback(feedbackConfig(routed, tiers, o, DEFAULT_PRIOR_STRENGTH, EVIDENCE_DECAY, false));
  console.log("Share of each class sent to the small model in the quarter before the drop and in the last quarter, and in that last quarter of a run without the drop (same seed):\n");
  console.log(
    markdownTable(
      ["class", "before the drop", "after the drop", "without the drop"],
      PROMPT_CLASSES.map((cls) => [
        cls,
        pct(smallShare(events, cls, half - quarter, half), 0),
        pct(smallShare(events, cls, o.requests - quarter), 0),
        pct(smallShare(control, cls, o.requests - quarter), 0),
      ]),
    ) + "\n",
  );

  const moved = requestsUntilBelow(events, DROP_CLASS, half, MOVED_BELOW, TRAILING);
  console.log(
    `After the drop, ${moved === null ? "never" : `${moved} ${DROP_CLASS} requests`} until fewer than ${pct(MOVED_BELOW, 0)} of the last ${TRAILING} ${DROP_CLASS} requests went to the small model ` +
      `(the count includes that trailing window).\n`,
  );
  const firstAfter = (t: number) => t >= half;
  console.log(`${DROP_CLASS} requests sent to the small model, per window of ${SERIES_WINDOW} ${DROP_CLASS} requests (the drop is marked):\n`);
  console.log(
    markdownTable(
      ["window", "requests", "sent to small"],
      classWindows(events, DROP_CLASS, SERIES_WINDOW).map((w, i) => [
        `${i + 1}${firstAfter(w.last) && !firstAfter(w.first) ? " (drop inside)" : ""}`,
        `${w.first}–${w.last}`,
        pct(w.onSmall, 0),
      ]),
    ) + "\n",
  );
  const before = outcome(events, 0, half);
  const after = outcome(events, half);
  console.log(`Answers rated good: ${pct(before.good)} before the drop, ${pct(after.good)} after; USD per 1k requests ${usd(before.costPer1k)} before, ${usd(after.costPer1k)} after.\n`);

  console.log(`Prior strength and forgetting (the defaults are ${DEFAULT_PRIOR_STRENGTH} and ${EVIDENCE_DECAY}; decay 1 = no forgetting):\n`);
  console.log(
    markdownTable(
      ["prior strength", "decay", `${DROP_CLASS} on small before`, `${DROP_CLASS} requests to < ${pct(MOVED_BELOW, 0)}`, "rated good", "USD per 1k requests"],
      SWEEP_STRENGTHS.flatMap((strength) =>
        SWEEP_DECAYS.map((decay) => {
          const run = simulateFeedback(feedbackConfig(routed, tiers, o, strength, decay));
          const n = requestsUntilBelow(run, DROP_CLASS, half, MOVED_BELOW, TRAILING);
          const all = outcome(run);
          return [String(strength), String(decay), pct(smallShare(run, DROP_CLASS, half - quarter, half), 0), n === null ? "never" : String(n), pct(all.good), usd(all.costPer1k)];
        }),
      ),
    ),
  );
}

main();
