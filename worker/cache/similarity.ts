// Comparing two prompt fingerprints (pure). The cache serves a stored answer
// only on verify(...).hit: both prompts have known words and a word sketch, no
// hard difference (numbers, negations, programming languages and tools; the
// salient items, when the shipped model requires them equal), and the verifier's
// probability that one answer serves both reaches the threshold.

import type { PromptFingerprint } from "./fingerprint";
import { FEATURE_COUNT, FEATURE_NAMES, hardDifferences, pairFeatures } from "./verifier-features";
import { VERIFIER } from "./verifier-weights";

/**
 * The shipped cut on the verifier's probability (CacheSettings.threshold when the
 * tenant sets none): chosen by scripts/train-verifier.ts on the tuning parts of the
 * public pair sets and eval/cache-pairs.jsonl for precision >= 0.99 with margin on
 * each. Higher is stricter. See docs/cache.md and wasm/EMBEDDINGS.md.
 */
export const DEFAULT_THRESHOLD: number = VERIFIER.defaultCut;

export function cosine(a: Float32Array, b: Float32Array): number {
  const n = Math.min(a.length, b.length);
  let dot = 0;
  let na = 0;
  let nb = 0;
  for (let i = 0; i < n; i++) {
    const x = a[i]!;
    const y = b[i]!;
    dot += x * y;
    na += x * x;
    nb += y * y;
  }
  if (na === 0 || nb === 0) return 0;
  const c = dot / Math.sqrt(na * nb);
  return c > 1 ? 1 : c < -1 ? -1 : c;
}

function popcount32(x: number): number {
  x -= (x >>> 1) & 0x55555555;
  x = (x & 0x33333333) + ((x >>> 2) & 0x33333333);
  x = (x + (x >>> 4)) & 0x0f0f0f0f;
  return Math.imul(x, 0x01010101) >>> 24;
}

/** Differing bits of two 64-bit SimHash signatures. */
export function hamming(a: [number, number], b: [number, number]): number {
  return popcount32((a[0] ^ b[0]) >>> 0) + popcount32((a[1] ^ b[1]) >>> 0);
}

export function sameSalient(a: PromptFingerprint, b: PromptFingerprint): boolean {
  const x = a.salient;
  const y = b.salient;
  if (x.length !== y.length) return false;
  for (let i = 0; i < x.length; i++) if (x[i] !== y[i]) return false;
  return true;
}

export interface Verdict {
  hit: boolean;
  /** The verifier's probability that one answer serves both prompts (0 when a check before it failed). */
  similarity: number;
  reason: "ok" | "below_threshold" | "salient_mismatch" | "marks_mismatch" | "order_mismatch" | "empty";
}

function isZero(v: Float32Array): boolean {
  for (let i = 0; i < v.length; i++) if (v[i] !== 0) return false;
  return true;
}

/** A verifier: logistic-regression weights over FEATURE_NAMES and the checks before it. */
export interface VerifierModel {
  weights: readonly number[];
  /** Below this cosine a pair is never a hit (saves the features; no tuning duplicate above the cut is lower). */
  cosineFloor: number;
  /** Whether the salient items must agree exactly. */
  requireSameSalient: boolean;
  /** Whether shared content words in another order (three or more shared) rule a hit out ("A beat B" / "B beat A"). */
  rejectReordered: boolean;
}

export interface Scored {
  /** Probability that one answer serves both; 0 when a check failed. */
  probability: number;
  cosine: number;
  /** Why it is 0, or "ok". */
  reason: Exclude<Verdict["reason"], "below_threshold">;
  /** The features weighed (only when reason is "ok"). */
  features: Float64Array | null;
}

const scratch = new Float64Array(FEATURE_COUNT);
const REORDERED = FEATURE_NAMES.indexOf("reordered");

/**
 * The verifier's view of a stored prompt `b` and an incoming prompt `a`: checks in
 * the order "empty" (no known word or no sketch), cosine floor (reason "ok",
 * probability 0), "marks_mismatch" (a number, negation or programming language
 * or tool in one only), "salient_mismatch", "order_mismatch" (when the model
 * rejects reordering), then the weighed probability.
 * `keepFeatures` copies the features out (training, evaluation).
 */
export function score(a: PromptFingerprint, b: PromptFingerprint, model: VerifierModel = VERIFIER, keepFeatures = false): Scored {
  const sa = a.sketch;
  const sb = b.sketch;
  if (!sa || !sb || a.known === 0 || b.known === 0 || isZero(a.vector) || isZero(b.vector)) return { probability: 0, cosine: 0, reason: "empty", features: null };
  const c = cosine(a.vector, b.vector);
  if (!(c >= model.cosineFloor)) return { probability: 0, cosine: c, reason: "ok", features: null };
  const diff = hardDifferences(sa, sb);
  if (diff.numbers + diff.negations + diff.code > 0) return { probability: 0, cosine: c, reason: "marks_mismatch", features: null };
  if (model.requireSameSalient && !sameSalient(a, b)) return { probability: 0, cosine: c, reason: "salient_mismatch", features: null };
  const f = pairFeatures(sa, sb, c, diff, keepFeatures ? new Float64Array(FEATURE_COUNT) : scratch);
  if (model.rejectReordered && f[REORDERED] === 1) return { probability: 0, cosine: c, reason: "order_mismatch", features: keepFeatures ? f : null };
  let z = 0;
  for (let i = 0; i < FEATURE_COUNT; i++) z += model.weights[i]! * f[i]!;
  return { probability: 1 / (1 + Math.exp(-z)), cosine: c, reason: "ok", features: keepFeatures ? f : null };
}

/**
 * The cache's decision for a stored prompt `b` and an incoming prompt `a` at
 * `threshold`, a cut on the verifier's probability in [0, 1] (higher = stricter).
 */
export function verify(a: PromptFingerprint, b: PromptFingerprint, threshold: number): Verdict {
  const s = score(a, b);
  if (s.reason !== "ok") return { hit: false, similarity: 0, reason: s.reason };
  if (!(s.probability >= threshold)) return { hit: false, similarity: s.probability, reason: "below_threshold" };
  return { hit: true, similarity: s.probability, reason: "ok" };
}
