// Scoring labelled pairs with the verifier (worker/cache/similarity.ts score()),
// over reference fingerprints: shared by `npm run eval:cache` and
// scripts/train-verifier.ts.

import { fingerprintReference, type EmbeddingTable } from "../../wasm/reference/embedding-reference";
import type { PromptFingerprint } from "../../worker/cache/fingerprint";
import { score, type Scored, type VerifierModel } from "../../worker/cache/similarity";
import type { LabelledPair } from "./pairs";

export interface ScoredPair {
  pair: LabelledPair;
  scored: Scored;
  a: PromptFingerprint;
  b: PromptFingerprint;
}

/** Fingerprints by text, computed once. */
export function fingerprinter(table: EmbeddingTable): (text: string) => PromptFingerprint {
  const cache = new Map<string, PromptFingerprint>();
  return (text) => {
    let f = cache.get(text);
    if (!f) cache.set(text, (f = fingerprintReference(text, table)));
    return f;
  };
}

export function scorePairs(pairs: readonly LabelledPair[], fp: (text: string) => PromptFingerprint, model?: VerifierModel, keepFeatures = false): ScoredPair[] {
  return pairs.map((pair) => {
    const a = fp(pair.a);
    const b = fp(pair.b);
    return { pair, a, b, scored: score(a, b, model, keepFeatures) };
  });
}

/** Logistic regression's probability for features `f` under `weights`. */
export function probability(weights: ArrayLike<number>, f: ArrayLike<number>): number {
  let z = 0;
  for (let i = 0; i < f.length; i++) z += weights[i]! * f[i]!;
  return 1 / (1 + Math.exp(-z));
}
