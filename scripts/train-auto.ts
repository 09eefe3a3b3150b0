// `npm run train:auto [-- --out FILE]`
//
// Trains `auto`'s difficulty model (worker/auto/difficulty.json): a logistic
// regression of "the small model of a weak/strong pair is good enough" on the
// prompt's features and its predicted class, fitted on the TUNING parts only
// (eval/lib/auto-split.ts) of every labelled set — the project's own prompts
// and the public MMLU, GSM8K and MT-Bench results in ../shared/data/routing.
// Each set weighs the same in total, so MMLU's 14,000 rows do not drown the
// others. The penalty is chosen by two-fold cross-validation inside the
// tuning parts. Deterministic: the same data gives the same file.

import { writeFileSync } from "node:fs";
import { dirname, join, relative } from "node:path";
import { fileURLToPath } from "node:url";
import { loadRoutingSets } from "../eval/lib/auto-sets";
import { hashBit } from "../eval/lib/auto-split";
import { featureSets, type FeaturedExample } from "../eval/lib/auto-features";
import { markdownTable } from "../eval/lib/metrics";
import { DEFAULT_CENTROIDS } from "../worker/auto/centroids";
import type { DifficultySpec } from "../worker/auto/difficulty";
import { FEATURE_DIMS, FEATURE_VERSION } from "../worker/auto/features";
import { PROMPT_CLASSES, type PromptClass } from "../worker/vocabulary/prompt-classes";
import { fitLogistic, logLoss, type LogisticFit, type LogisticRows } from "./lib/logistic";

const ROOT = join(dirname(fileURLToPath(import.meta.url)), "..");
const LAMBDAS = [1, 3, 10, 30, 100, 300];
/** Total weight of each labelled set, unless it is small: no prompt weighs more than MAX_ROW_WEIGHT (MT-Bench's 31 would otherwise be learnt by heart). */
const SET_WEIGHT = 1000;
const MAX_ROW_WEIGHT = 4;
const DIMS = FEATURE_DIMS + PROMPT_CLASSES.length;

function parseArgs(argv: string[]): { out: string } {
  const o = { out: join(ROOT, "worker", "auto", "difficulty.json") };
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === "--out" && argv[i + 1]) o.out = argv[++i]!;
    else {
      console.error("usage: npm run train:auto -- [--out FILE]");
      process.exit(2);
    }
  }
  return o;
}

function vector(e: FeaturedExample): Float64Array {
  const x = new Float64Array(DIMS);
  x.set(e.features);
  x[FEATURE_DIMS + PROMPT_CLASSES.indexOf(e.predicted)] = 1;
  return x;
}

interface TrainRow {
  e: FeaturedExample;
  x: Float64Array;
  y: number;
  w: number;
}

function rowsOf(list: readonly TrainRow[]): LogisticRows {
  return { x: list.map((r) => r.x), y: list.map((r) => r.y), w: list.map((r) => r.w) };
}

const logit = (fit: LogisticFit, x: Float64Array) => {
  let z = fit.bias;
  for (let d = 0; d < fit.weights.length; d++) z += fit.weights[d]! * x[d]!;
  return z;
};

/** Area under the ROC curve of scores against 0/1 labels (weighted ties count half). */
function auc(scores: number[], ys: number[]): number {
  const idx = scores.map((_, i) => i).sort((a, b) => scores[a]! - scores[b]!);
  let pos = 0;
  let neg = 0;
  let rankSum = 0;
  for (let i = 0; i < idx.length; ) {
    let j = i;
    while (j < idx.length && scores[idx[j]!] === scores[idx[i]!]) j++;
    const mid = (i + j + 1) / 2;
    for (let k = i; k < j; k++) if (ys[idx[k]!]) rankSum += mid;
    i = j;
  }
  for (const y of ys) y ? pos++ : neg++;
  return pos && neg ? (rankSum - (pos * (pos + 1)) / 2) / (pos * neg) : NaN;
}

const round = (x: number) => Number(x.toPrecision(6));

function main(): void {
  const { out } = parseArgs(process.argv.slice(2));
  const sets = featureSets(loadRoutingSets(new URL("../eval/auto-prompts.jsonl", import.meta.url)), DEFAULT_CENTROIDS);
  const rows: TrainRow[] = [];
  for (const s of sets) {
    const labelled = s.examples.filter((e) => e.split === "tuning" && (e.label === "weak-ok" || e.label === "strong-needed"));
    for (const e of labelled) rows.push({ e, x: vector(e), y: e.label === "weak-ok" ? 1 : 0, w: Math.min(MAX_ROW_WEIGHT, SET_WEIGHT / labelled.length) });
  }
  console.log(`# Training the difficulty model\n\n${rows.length} labelled tuning prompts (both-fail rows left out: no model of the pair answers them).\n`);

  // Two folds inside the tuning parts, by another salt of the same hash.
  const fold = (r: TrainRow) => hashBit("meridian/auto-cv/v1", r.e.prompt);
  const cv = LAMBDAS.map((lambda) => {
    let loss = 0;
    for (const k of [0, 1]) {
      const fit = fitLogistic(rowsOf(rows.filter((r) => fold(r) !== k)), DIMS, lambda);
      loss += logLoss(rowsOf(rows.filter((r) => fold(r) === k)), fit) / 2;
    }
    return { lambda, loss };
  });
  const best = cv.reduce((a, b) => (b.loss < a.loss ? b : a));
  console.log(markdownTable(["penalty λ", "cross-validated log-loss"], cv.map((c) => [String(c.lambda), c.loss.toFixed(4) + (c === best ? " (chosen)" : "")])) + "\n");

  const fit = fitLogistic(rowsOf(rows), DIMS, best.lambda);
  const classLogit = {} as Record<PromptClass, number>;
  const classPrior = {} as Record<PromptClass, number>;
  for (const c of PROMPT_CLASSES) {
    const mine = rows.filter((r) => r.e.predicted === c);
    const total = mine.reduce((s, r) => s + r.w, 0);
    classLogit[c] = round(total ? mine.reduce((s, r) => s + r.w * logit(fit, r.x), 0) / total : fit.bias);
    classPrior[c] = round(total ? mine.reduce((s, r) => s + r.w * r.y, 0) / total : 0.5);
  }
  const spec: DifficultySpec & { trained_on: string } = {
    feature_version: FEATURE_VERSION,
    trained_on: `tuning parts (auto-split v1) of own, mmlu, gsm8k, mt-bench; ${rows.length} prompts, each set weighing ${SET_WEIGHT} (at most ${MAX_ROW_WEIGHT} per prompt); lambda ${best.lambda}`,
    weights: Array.from(fit.weights, round),
    bias: round(fit.bias),
    class_logit: classLogit,
    class_prior: classPrior,
  };
  writeFileSync(out, JSON.stringify(spec) + "\n");
  console.log(`Wrote ${relative(ROOT, out)} (${JSON.stringify(spec).length} bytes), ${fit.iterations} Newton steps.\n`);

  console.log(markdownTable(["predicted class", "tuning prompts", "P(small good enough) (the suggested seed)", "mean log-odds"], PROMPT_CLASSES.map((c) => [c, String(rows.filter((r) => r.e.predicted === c).length), classPrior[c].toFixed(3), classLogit[c].toFixed(3)])) + "\n");
  console.log("Tuning-part fit (AUC of the model's score for 'small is good enough'; 0.5 is a coin):\n");
  console.log(
    markdownTable(
      ["set", "tuning prompts", "AUC"],
      sets
        .map((s) => rows.filter((r) => r.e.set === s.examples[0]?.set))
        .filter((mine) => mine.length > 0)
        .map((mine) => [mine[0]!.e.set, String(mine.length), auc(mine.map((r) => logit(fit, r.x)), mine.map((r) => r.y)).toFixed(3)]),
    ),
  );
}

main();
