// The fingerprint of one prompt (the final user turn) for the semantic cache.
// Produced by the wasm embedder (worker/cache/embedder.ts) and, bit for bit the
// same, by the TypeScript reference (wasm/reference/embedding-reference.ts).
// The word sketch beside it is computed in TypeScript (./word-sketch.ts) by both.

import type { WordSketch } from "./word-sketch";

export interface PromptFingerprint {
  /** 100-d SIF embedding, principal component removed, unit length (all zeros when no known word carries a vector: none, or only "a"/"I"). */
  vector: Float32Array;
  /** 64-bit SimHash of `vector` as two unsigned 32-bit halves [hi, lo]; bit k (0..63) is hyperplane k. */
  signature: [number, number];
  /**
   * Sorted, deduplicated 32-bit hashes of the prompt's salient items: numbers, named-entity
   * candidates, rare and unknown words, always-salient words (number words, question words,
   * antonym-prone words, ...), negations (by count), ordered pairs around direction words
   * ("Celsius to Fahrenheit"), code symbols. Two prompts may share a cached answer only when
   * these arrays are identical.
   */
  salient: Uint32Array;
  /** Tokens seen (in the first 1 MiB of UTF-8). */
  tokens: number;
  /** Tokens found in the vocabulary. */
  known: number;
  /** Content words, their order, bigrams and marked words, for the verifier (./verifier.ts); a fingerprint without one never hits. */
  sketch?: WordSketch;
}

/**
 * Evidence counted in the same pass, for the `model: "auto"` classifier; what each
 * counts is specified in ./markers.ts. The semantic cache does not use them (its
 * stored fingerprints carry none), so changing their rules needs no FINGERPRINT_VERSION bump.
 */
export interface PromptMarkers {
  /** Code punctuation, indented lines, snake_case and camelCase, code keywords. */
  code: number;
  /** Numbers, arithmetic operators, maths characters and keywords. */
  math: number;
  /** Extraction and formatting keywords (JSON, table, extract, convert, ...). */
  structured: number;
  /** Summarisation keywords (summarize, TL;DR, key points, ...). */
  summary: number;
  /** Non-ASCII characters. */
  nonAscii: number;
  /** Newlines. */
  lines: number;
}

/** A fresh prompt's fingerprint with its markers (what both implementations return). */
export interface MarkedFingerprint extends PromptFingerprint {
  markers: PromptMarkers;
}

/**
 * Bumped whenever the table, tokeniser, hashes or hyperplanes change: semantic
 * keys carry it, so fingerprints of different versions are never compared.
 */
export const FINGERPRINT_VERSION = 2;
