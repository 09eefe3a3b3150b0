// How hard a prompt is for the small model of a weak/strong pair, beyond what
// its class says (pure). A logistic model over the prompt's features and its
// class, trained on the tuning parts of public routing sets with measured
// weak/strong results (scripts/train-auto.ts, provenance in docs/auto.md),
// gives the log-odds that the small model is good enough. The request path
// uses only its distance from the class's average (`difficultyShift`): a
// prompt easier than its class raises each model's seeded quality for it, a
// harder one lowers it, by the same log-odds. The tenant's seeds keep meaning
// "this class on average"; feedback keeps learning per class.

import { FEATURE_DIMS, FEATURE_VERSION } from "./features";
import { PROMPT_CLASSES, type PromptClass } from "../vocabulary/prompt-classes";

/** As stored (difficulty.json, or a tenant's own). */
export interface DifficultySpec {
  feature_version: number;
  /** FEATURE_DIMS weights over the features, then one per class in PROMPT_CLASSES order. */
  weights: readonly number[];
  bias: number;
  /** Per class: the mean log-odds over that class's tuning prompts (what the shift is measured from). */
  class_logit: Readonly<Record<PromptClass, number>>;
  /** Per class: the share of tuning prompts the small model answered well enough (the suggested seed). */
  class_prior: Readonly<Record<PromptClass, number>>;
}

export interface DifficultyModel {
  weights: Float32Array;
  bias: number;
  /** class_logit in PROMPT_CLASSES order. */
  classLogit: Float64Array;
  classPrior: Readonly<Record<PromptClass, number>>;
}

/** No shift beyond this many log-odds either way: one prompt's text should not overrule everything the tenant seeded. */
export const MAX_SHIFT = 3;

const CLASS_INDEX: Readonly<Record<PromptClass, number>> = Object.fromEntries(PROMPT_CLASSES.map((c, i) => [c, i])) as Record<PromptClass, number>;

export function compileDifficulty(spec: DifficultySpec): DifficultyModel {
  if (spec.feature_version !== FEATURE_VERSION) throw new Error(`difficulty model built for feature version ${spec.feature_version}; the router computes ${FEATURE_VERSION}: retrain it`);
  const n = FEATURE_DIMS + PROMPT_CLASSES.length;
  if (!Array.isArray(spec.weights) || spec.weights.length !== n) throw new Error(`difficulty model: need ${n} weights`);
  if (!spec.weights.every(Number.isFinite) || !Number.isFinite(spec.bias)) throw new Error("difficulty model: weights must be finite numbers");
  const classLogit = new Float64Array(PROMPT_CLASSES.length);
  PROMPT_CLASSES.forEach((c, i) => {
    const v = spec.class_logit?.[c];
    const p = spec.class_prior?.[c];
    if (!Number.isFinite(v) || !(typeof p === "number" && p > 0 && p < 1)) throw new Error(`difficulty model: class ${c} needs class_logit and a class_prior in (0, 1)`);
    classLogit[i] = v;
  });
  return { weights: Float32Array.from(spec.weights), bias: spec.bias, classLogit, classPrior: { ...spec.class_prior } };
}

/** Log-odds that the small model is good enough for this prompt. */
export function smallModelLogit(features: Float32Array, cls: PromptClass, model: DifficultyModel): number {
  const w = model.weights;
  let z = model.bias + w[FEATURE_DIMS + CLASS_INDEX[cls]]!;
  const n = Math.min(FEATURE_DIMS, features.length);
  for (let d = 0; d < n; d++) z += w[d]! * features[d]!;
  return z;
}

/** How much easier (> 0) or harder (< 0) than its class's average this prompt is, in log-odds, within ±MAX_SHIFT. */
export function difficultyShift(features: Float32Array, cls: PromptClass, model: DifficultyModel): number {
  const s = smallModelLogit(features, cls, model) - model.classLogit[CLASS_INDEX[cls]]!;
  return s > MAX_SHIFT ? MAX_SHIFT : s < -MAX_SHIFT ? -MAX_SHIFT : s;
}

/** A seeded quality moved by a shift in log-odds (seed clamped to (0.001, 0.999) so 0 and 1 stay movable). */
export function shiftedQuality(seed: number, shift: number): number {
  if (!Number.isFinite(seed)) return seed;
  if (shift === 0 || !Number.isFinite(shift)) return seed;
  const q = Math.min(0.999, Math.max(0.001, seed));
  return 1 / (1 + Math.exp(-(Math.log(q / (1 - q)) + shift)));
}
