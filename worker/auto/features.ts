// The classifier's view of a prompt (pure): the fingerprint's 100-d embedding
// followed by a few scalar terms, each squashed to about [0, 1] and weighted
// so that the two parts carry comparable weight in a cosine (see WEIGHTS).
// Computed from numbers the wasm pass already produced: no second look at the text.

import type { PromptFingerprint, PromptMarkers } from "../cache/fingerprint";
import type { RequestShape } from "./types";

/** What the features need of a fingerprint; without markers (a cached fingerprint) those terms are 0. */
export type FeatureSource = Pick<PromptFingerprint, "vector" | "tokens"> & { markers?: PromptMarkers };

export const EMBEDDING_DIMS = 100;

/** The scalar terms after the embedding, in order. */
export const SCALAR_FEATURES = ["code", "math", "structured", "summary", "nonAscii", "lines", "length", "depth", "maxTokens", "tools"] as const;
export type ScalarFeature = (typeof SCALAR_FEATURES)[number];

export const FEATURE_DIMS = EMBEDDING_DIMS + SCALAR_FEATURES.length;

/**
 * Bumped whenever the layout, a squashing function or a weight changes:
 * centroids carry it, so a tenant's centroids built for other features are refused.
 */
export const FEATURE_VERSION = 1;

/**
 * Weight of each part. The embedding is unit length (weight 1); each scalar
 * term is squashed to about [0, 1]. With these weights the class centroids
 * lie about as far apart on the scalar terms as on the embedding (0.38 and
 * 0.27 RMS, printed by `npm run build:centroids`), so neither part decides
 * alone. The minor terms weigh less: non-ASCII text and line breaks are weak
 * hints, and the request-shape terms are 0 in the shipped centroids (built
 * from single prompts), which only tenants' own centroids can use.
 */
export const WEIGHTS: Readonly<Record<ScalarFeature | "embedding", number>> = {
  embedding: 1,
  code: 1,
  math: 1,
  structured: 1,
  summary: 1,
  nonAscii: 0.5,
  lines: 0.5,
  length: 1,
  depth: 0.3,
  maxTokens: 0.3,
  tools: 0.3,
};

/** Tokens at which the length term reaches 1 (about a page); longer prompts go on growing slowly. */
const LONG_PROMPT_TOKENS = 400;
/** Lines at which the lines term reaches 1. */
const MANY_LINES = 30;
/** Messages at which the depth term reaches 1. */
const DEEP_CONVERSATION = 20;
/** Request keywords at which their term reaches 1. */
const REQUEST_KEYWORDS = 4;
/** An output cap at which the max-tokens term reaches 1. */
const LONG_ANSWER_TOKENS = 4096;

const scratch = new Float32Array(FEATURE_DIMS);

/**
 * The feature vector of a prompt, written into `out` (by default a buffer
 * that the next call overwrites: use the result before calling again).
 */
export function promptFeatures(fp: FeatureSource, shape: RequestShape, out: Float32Array = scratch): Float32Array {
  const v = fp.vector;
  const w = WEIGHTS.embedding;
  for (let d = 0; d < EMBEDDING_DIMS; d++) out[d] = w * (v[d] ?? 0);
  const m = fp.markers;
  const tokens = fp.tokens > 0 ? fp.tokens : 0;
  let i = EMBEDDING_DIMS;
  out[i++] = WEIGHTS.code * rate(m?.code ?? 0, tokens);
  out[i++] = WEIGHTS.math * rate(m?.math ?? 0, tokens);
  out[i++] = WEIGHTS.structured * asks(m?.structured ?? 0);
  out[i++] = WEIGHTS.summary * asks(m?.summary ?? 0);
  out[i++] = WEIGHTS.nonAscii * rate(m?.nonAscii ?? 0, tokens);
  out[i++] = WEIGHTS.lines * logScale(m?.lines ?? 0, MANY_LINES);
  out[i++] = WEIGHTS.length * logScale(tokens, LONG_PROMPT_TOKENS);
  out[i++] = WEIGHTS.depth * logScale(Math.max(0, shape.depth - 1), DEEP_CONVERSATION);
  out[i++] = WEIGHTS.maxTokens * (shape.maxTokens === null ? 0 : logScale(shape.maxTokens, LONG_ANSWER_TOKENS));
  out[i++] = WEIGHTS.tools * (shape.tools ? 1 : 0);
  return out;
}

/** log1p(x) / log1p(full): 0 at 0, 1 at `full`, growing slowly beyond up to 2. */
function logScale(x: number, full: number): number {
  return x > 0 ? Math.min(2, Math.log1p(x) / Math.log1p(full)) : 0;
}

/**
 * Keywords of what the prompt asks for (summarise, JSON, extract) count by
 * presence, not per token: one "summarize" above 300 words of article is as
 * plain a request as in a ten-word prompt. 0.43 for one, 1 for four, at most 1.5.
 */
function asks(count: number): number {
  return count > 0 ? Math.min(1.5, Math.log1p(count) / Math.log1p(REQUEST_KEYWORDS)) : 0;
}

/**
 * Markers of what the prompt contains (code, maths, non-ASCII text) count as
 * a share of its tokens, square-rooted and capped at 1: a few operators in a
 * long question still show, a wall of code does not outweigh everything else.
 */
function rate(count: number, tokens: number): number {
  if (!(count > 0)) return 0;
  const r = count / Math.max(tokens, 1);
  return r >= 1 ? 1 : Math.sqrt(r);
}
