// The prompt class: the nearest centroid by cosine (pure). With the center μ
// of the set subtracted, the similarity to centroid c is
// (x·c − μ·c) / |x − μ|, and |x − μ|² = |x|² − 2 x·μ + |μ|²: two passes over
// x, one over each centroid, no allocation beyond the result. Six classes of
// 110 features are about 900 multiply-adds.

import type { CentroidSet } from "./centroid-set";
import type { PromptClass } from "../vocabulary/prompt-classes";

export interface Classification {
  class: PromptClass;
  /** Cosine similarity to the winning centroid, in [-1, 1]. */
  similarity: number;
  /** How much closer the winner is than the nearest centroid of another class (0 when it is the only class). A small margin means an unsure call. */
  margin: number;
}

/** Empty prompts (no features at all) land in the catch-all class. */
const EMPTY: Classification = Object.freeze({ class: "other", similarity: 0, margin: 0 });

export function classify(features: Float32Array, set: CentroidSet): Classification {
  const { dims, center, vectors, classes, centerDots, centerNormSq } = set;
  const n = Math.min(dims, features.length);
  let xx = 0;
  let xm = 0;
  for (let d = 0; d < n; d++) {
    const x = features[d]!;
    xx += x * x;
    xm += x * center[d]!;
  }
  const normSq = xx - 2 * xm + centerNormSq;
  if (!(normSq > 1e-12)) return EMPTY;

  let best = -1;
  let bestDot = -Infinity;
  let runnerUpDot = -Infinity;
  for (let k = 0; k < classes.length; k++) {
    const row = k * dims;
    let dot = 0;
    for (let d = 0; d < n; d++) dot += features[d]! * vectors[row + d]!;
    dot -= centerDots[k]!;
    if (dot > bestDot) {
      if (best >= 0 && classes[best] !== classes[k]) runnerUpDot = bestDot;
      best = k;
      bestDot = dot;
    } else if (dot > runnerUpDot && classes[k] !== classes[best]) {
      runnerUpDot = dot;
    }
  }
  const norm = Math.sqrt(normSq);
  const similarity = bestDot / norm;
  return { class: classes[best]!, similarity, margin: runnerUpDot === -Infinity ? 0 : similarity - runnerUpDot / norm };
}
