// Part (a) of `npm run eval:auto`: every labelled set, own and public, tuning
// and held-out side by side; the shipped default chosen on tuning parts only;
// the floor sweep on held-out parts; escalation under stated signal models.

import { DEFAULT_PRIOR_STRENGTH } from "../../worker/auto/bandit";
import { compileDifficulty, type DifficultyModel } from "../../worker/auto/difficulty";
import difficultySpec from "../../worker/auto/difficulty.json";
import { ruleAuto } from "../../worker/schemas/rules";
import { rng } from "../../sim/rng";
import type { FeaturedExample, FeaturedSet } from "./auto-features";
import {
  alwaysLargePolicy,
  alwaysSmallPolicy,
  autoExamplePolicy,
  learnedSeeds,
  oraclePolicy,
  scoreExamples,
  type AutoSettings,
  type EscalationModel,
  type ExamplePolicy,
  type SetScore,
} from "./auto-public";
import { SEEDED_QUALITY, type Tiers } from "./auto-setup";
import type { Split } from "./auto-split";
import { markdownTable } from "./metrics";

export const FLOOR_GRID = [0.5, 0.6, 0.65, 0.7, 0.75, 0.8, 0.85, 0.9, 0.95];
/** The targets. */
export const TARGET_GOOD_ENOUGH = 0.95;
export const TARGET_COST_VS_ORACLE = 1.15;
/** The strong model's seed in every class (what the docs' example tenant writes). */
export const LARGE_SEED = 0.92;
/** Stated models of escalation's signals (nothing offline measures them: the sets hold no answers). */
export const ESCALATION_MODELS: readonly (EscalationModel & { name: string })[] = [
  { name: "refusal + truncation only", recall: 0.1, falseAlarm: 0.01 },
  { name: "+ log-probability, weak", recall: 0.3, falseAlarm: 0.05 },
  { name: "+ log-probability, FrugalGPT-like", recall: 0.5, falseAlarm: 0.1 },
];

const pct = (x: number) => (Number.isFinite(x) ? `${(100 * x).toFixed(1)}%` : "–");
const times = (x: number) => (Number.isFinite(x) ? `${x.toFixed(2)}×` : "–");

/** The floor `auto` ships with: the schema's default when a tenant sets none. */
export const SHIPPED_FLOOR: number = ruleAuto.parse({ models: [{ model: "m" }] }).floor;

export function shippedDifficulty(): DifficultyModel {
  return compileDifficulty(difficultySpec);
}

export function learnedSettings(model: DifficultyModel, floor: number, strength = DEFAULT_PRIOR_STRENGTH): AutoSettings {
  return { seeded: learnedSeeds(model, LARGE_SEED), floor, strength, difficulty: model };
}

const part = (set: FeaturedSet, split: Split) => set.examples.filter((e) => e.split === split);
const labelled = (set: FeaturedSet) => set.examples.some((e) => e.label !== null);

/** Runs averaged per figure: Thompson sampling makes one run of 38 or 114 prompts swing by several points. */
export const RUNS = 10;

/** Scores a policy made fresh for each run (each with its own random stream), averaged over RUNS runs. */
function scorePart(examples: readonly FeaturedExample[], tiers: Tiers, make: (run: number) => ExamplePolicy, escalation: EscalationModel | null = null): SetScore {
  const runs = Array.from({ length: RUNS }, (_, run) => scoreExamples(examples, tiers, make(run), escalation));
  const mean = (k: keyof SetScore) => runs.reduce((a, r) => a + r[k], 0) / runs.length;
  return { ...runs[0]!, goodEnough: mean("goodEnough"), costVsOracle: mean("costVsOracle"), costVsLarge: mean("costVsLarge"), onSmall: mean("onSmall"), escalated: mean("escalated") };
}

/** The lowest floor whose good-enough share, averaged over the labelled sets' tuning parts, reaches the target. */
export function chooseFloor(sets: readonly FeaturedSet[], tiers: Tiers, model: DifficultyModel, seed: number): { floor: number; rows: string[][] } {
  const rows: string[][] = [];
  let chosen: number | null = null;
  for (const floor of FLOOR_GRID) {
    const scores = sets.filter(labelled).map((s) => scorePart(part(s, "tuning"), tiers, (run) => autoExamplePolicy(tiers, learnedSettings(model, floor), rng(seed, `tune-${s.name}-${floor}-${run}`))));
    const mean = scores.reduce((a, s) => a + s.goodEnough, 0) / scores.length;
    const cost = scores.reduce((a, s) => a + s.costVsOracle, 0) / scores.length;
    if (chosen === null && mean >= TARGET_GOOD_ENOUGH) chosen = floor;
    rows.push([String(floor), ...scores.map((s) => `${pct(s.goodEnough)} / ${times(s.costVsOracle)}`), pct(mean), times(cost)]);
  }
  return { floor: chosen ?? FLOOR_GRID[FLOOR_GRID.length - 1]!, rows };
}

export function setsPart(sets: readonly FeaturedSet[], tiers: Tiers, o: { seed: number }): void {
  const model = shippedDifficulty();
  const floor = SHIPPED_FLOOR;
  const before: AutoSettings = { seeded: SEEDED_QUALITY, floor: 0.7, strength: DEFAULT_PRIOR_STRENGTH, difficulty: null };
  const policies: [string, (s: FeaturedSet, split: Split, run: number) => ExamplePolicy][] = [
    ["always small", () => alwaysSmallPolicy],
    ["always large", () => alwaysLargePolicy],
    ["oracle (true labels)", () => oraclePolicy],
    ["auto before (centroids, hand seeds, floor 0.7)", (s, split, run) => autoExamplePolicy(tiers, before, rng(o.seed, `before-${s.name}-${split}-${run}`))],
    [`auto, learned seeds without the difficulty shift (floor ${floor})`, (s, split, run) => autoExamplePolicy(tiers, { ...learnedSettings(model, floor), difficulty: null }, rng(o.seed, `seeds-${s.name}-${split}-${run}`))],
    [`auto shipped (difficulty model, floor ${floor})`, (s, split, run) => autoExamplePolicy(tiers, learnedSettings(model, floor), rng(o.seed, `shipped-${s.name}-${split}-${run}`))],
  ];

  console.log("## (a) Every set, tuning and held-out\n");
  console.log(`Figures of \`auto\` are the mean of ${RUNS} runs with different random streams (Thompson sampling), seed ${o.seed}.\n`);
  console.log(
    [
      "Definitions:",
      "- **Split**: a fixed rule (`eval/lib/auto-split.ts`): the top bit of a mixed FNV-1a hash of the prompt text (whitespace collapsed, salted `meridian/auto-split/v1`); 0 = tuning, 1 = held-out. The same text always lands on the same side.",
      "- **Labels**: `weak-ok` (the small model of the pair is good enough), `strong-needed`, `both-fail`. Own prompts: `good_enough` small / large. MMLU, GSM8K: RouteLLM's Mixtral-8x7B (weak) and GPT-4 (strong) 0/1 scores. MT-Bench: turn 1's GPT-4-judge scores, strong-needed when the strong score beats the weak one by ≥ 2. HumanEval, Vicuna: no labels (routing shares and class accuracy only). Left out as the data's README says: rows flagged `routellm_contaminated` and MMLU's `strong_label_suspect` (high_school_mathematics).",
      "- **Good-enough share**: of the *answerable* prompts (weak-ok or strong-needed), the share whose chosen model succeeds per the labels: weak-ok with either model, strong-needed with the strong one only. **both-fail** prompts are left out of this share for every policy (no model of the pair answers them) and kept in the cost.",
      "- **Cost vs oracle**: the policy's cost over all the part's prompts divided by the cost of routing each by its true label (strong-needed to the strong model; weak-ok and both-fail to the small one). Prices: the dev fleet's llama-1.5b and llama-8b; input tokens estimated as metering does; answer length assumed per class (own, MT-Bench, HumanEval, Vicuna) or set (MMLU 60 tokens). Unlabelled sets: the oracle is undefined, cost is shown against always-large.",
      "- **Class accuracy**: the centroid classifier's class against the labelled class (own) or the class the task family names (GSM8K math, HumanEval coding, MT-Bench and Vicuna categories; MMLU has none).",
      "",
    ].join("\n"),
  );
  console.log(
    markdownTable(
      ["set", "rows left out", "part", "prompts", "answerable", "both-fail", "class accuracy"],
      sets.flatMap((s) =>
        (["tuning", "held-out"] as const).map((split) => {
          const sc = scoreExamples(part(s, split), tiers, alwaysSmallPolicy);
          return [s.name, String(s.excluded), split, String(sc.prompts), labelled(s) ? String(sc.answerable) : "–", labelled(s) ? String(sc.bothFail) : "–", pct(sc.classAccuracy)];
        }),
      ),
    ) + "\n",
  );

  const scoreTable = (split: Split) =>
    markdownTable(
      ["set", "policy", "good-enough share", "cost vs oracle", "cost vs always-large", "sent to small"],
      sets.flatMap((s) =>
        policies
          .filter(([name]) => labelled(s) || !name.startsWith("oracle"))
          .map(([name, make]) => {
            const sc = scorePart(part(s, split), tiers, (run) => make(s, split, run));
            return [s.name, name, pct(sc.goodEnough), labelled(s) ? times(sc.costVsOracle) : "–", pct(sc.costVsLarge), pct(sc.onSmall)];
          }),
      ),
    );
  console.log(`### Held-out parts (targets: good-enough ≥ ${pct(TARGET_GOOD_ENOUGH)} at ≤ ${times(TARGET_COST_VS_ORACLE)} the oracle's cost)\n`);
  console.log(scoreTable("held-out") + "\n");
  console.log("### Tuning parts (the difficulty model was fitted on these; the default was chosen on these)\n");
  console.log(scoreTable("tuning") + "\n");

  const labelledSets = sets.filter(labelled);
  const choice = chooseFloor(sets, tiers, model, o.seed);
  console.log(`### The default floor, chosen on the tuning parts\n`);
  console.log(
    `Rule: the lowest floor whose good-enough share, averaged over the labelled sets' tuning parts, reaches ${pct(TARGET_GOOD_ENOUGH)}. ` +
      `It gives **${choice.floor}**; the schema ships **${floor}**${choice.floor === floor ? " (the same)" : " (DIFFERENT: update worker/schemas/rules.ts)"}. Cells: good-enough / cost vs oracle.\n`,
  );
  console.log(markdownTable(["floor", ...labelledSets.map((s) => s.name), "mean good-enough", "mean cost vs oracle"], choice.rows) + "\n");

  console.log("### Trade-off on the held-out parts (floor sweep, difficulty model)\n");
  console.log(
    markdownTable(
      ["floor", ...labelledSets.map((s) => s.name)],
      FLOOR_GRID.map((f) => [
        String(f),
        ...labelledSets.map((s) => {
          const sc = scorePart(part(s, "held-out"), tiers, (run) => autoExamplePolicy(tiers, learnedSettings(model, f), rng(o.seed, `sweep-${s.name}-${f}-${run}`)));
          const hit = sc.goodEnough >= TARGET_GOOD_ENOUGH && sc.costVsOracle <= TARGET_COST_VS_ORACLE;
          return `${pct(sc.goodEnough)} / ${times(sc.costVsOracle)}${hit ? " ✓" : ""}`;
        }),
      ]),
    ) + "\n",
  );

  console.log("### Escalation on the held-out parts (stated signal models)\n");
  console.log(
    "A small model's answer is retried on the strong one when its own signals look bad (refusal, truncation, low mean log-probability; `worker/auto/escalate.ts`). " +
      "The sets hold no answers, so whether those signals fire cannot be measured here: each row assumes a recall (P(escalate | the small answer is not good enough)) and a false-alarm rate (P(escalate | it is)). " +
      "An escalated request pays for both calls. Cells: good-enough / cost vs oracle / share escalated.\n",
  );
  const escRows: string[][] = [];
  for (const f of [...new Set([0.7, floor])]) {
    for (const m of [null, ...ESCALATION_MODELS]) {
      escRows.push([
        String(f),
        m ? `${m.name} (recall ${m.recall}, false alarms ${m.falseAlarm})` : "no escalation",
        ...labelledSets.map((s) => {
          const sc = scorePart(part(s, "held-out"), tiers, (run) => autoExamplePolicy(tiers, learnedSettings(model, f), rng(o.seed, `sweep-${s.name}-${f}-${run}`)), m);
          return `${pct(sc.goodEnough)} / ${times(sc.costVsOracle)} / ${pct(sc.escalated)}`;
        }),
      ]);
    }
  }
  console.log(markdownTable(["floor", "signals", ...labelledSets.map((s) => s.name)], escRows) + "\n");
}
