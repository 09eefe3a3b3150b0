// Comparing two prompt fingerprints (pure). The cache serves a stored answer
// only on verify(...).hit: both prompts have known words, they agree on every
// salient item (numbers, named entities, rare words, negations, and their
// order), and their embeddings' cosine reaches the threshold.

import type { PromptFingerprint } from "./fingerprint";

/**
 * Cosine at or above which two prompts with identical salient items share an
 * answer. Chosen on eval/cache-pairs.jsonl and STS-B dev (`npm run eval:cache`):
 * at 0.93 none of the 258 labelled "different" gateway pairs is a hit (at 0.90-0.92
 * two are: one common noun or verb swapped, "customers"/"accounts" table,
 * "write"/"review" a cover letter) and 3 of 957 STS-B different pairs are (two of
 * them differ only in word order, which a bag of words cannot see). See
 * wasm/EMBEDDINGS.md, "Threshold and bands".
 */
export const DEFAULT_THRESHOLD = 0.93;

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
  similarity: number;
  reason: "ok" | "below_threshold" | "salient_mismatch" | "empty";
}

function isZero(v: Float32Array): boolean {
  for (let i = 0; i < v.length; i++) if (v[i] !== 0) return false;
  return true;
}

/**
 * The cache's decision for a stored prompt `b` and an incoming prompt `a`.
 * Reasons, checked in this order: "empty" (either has no known word, so no
 * meaningful embedding), "below_threshold" (cosine < threshold),
 * "salient_mismatch" (similar enough, but the guard disagrees: the case the
 * guard exists for), "ok".
 */
export function verify(a: PromptFingerprint, b: PromptFingerprint, threshold: number): Verdict {
  if (a.known === 0 || b.known === 0 || isZero(a.vector) || isZero(b.vector)) return { hit: false, similarity: 0, reason: "empty" };
  const similarity = cosine(a.vector, b.vector);
  if (!(similarity >= threshold)) return { hit: false, similarity, reason: "below_threshold" };
  if (!sameSalient(a, b)) return { hit: false, similarity, reason: "salient_mismatch" };
  return { hit: true, similarity, reason: "ok" };
}
