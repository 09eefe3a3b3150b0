// Class centroids from labelled feature vectors (pure): the mean vector of
// each class, and the center the classifier subtracts, taken as the mean of
// the class means so that a class with more examples does not pull it.

import type { CentroidSpec } from "../../worker/auto/centroid-set";
import { FEATURE_VERSION } from "../../worker/auto/features";
import { PROMPT_CLASSES, type PromptClass } from "../../worker/vocabulary/prompt-classes";

export interface LabelledFeatures {
  class: PromptClass;
  features: Float32Array;
}

/** Decimals kept in the JSON: far below the spread between prompts, and a small file. */
const DECIMALS = 5;

export function buildCentroidSpec(rows: readonly LabelledFeatures[], centered = true): CentroidSpec {
  const dims = rows[0]?.features.length ?? 0;
  const means: { class: PromptClass; vector: number[] }[] = [];
  for (const cls of PROMPT_CLASSES) {
    const members = rows.filter((r) => r.class === cls);
    if (members.length === 0) continue;
    const sum = new Float64Array(dims);
    for (const r of members) for (let d = 0; d < dims; d++) sum[d]! += r.features[d]!;
    means.push({ class: cls, vector: Array.from(sum, (x) => x / members.length) });
  }
  const center = new Float64Array(dims);
  for (const m of means) for (let d = 0; d < dims; d++) center[d]! += m.vector[d]! / means.length;
  const round = (x: number) => Number(x.toFixed(DECIMALS));
  return {
    feature_version: FEATURE_VERSION,
    ...(centered ? { center: Array.from(center, round) } : {}),
    centroids: means.map((m) => ({ class: m.class, vector: m.vector.map(round) })),
  };
}

/**
 * One extra centroid for a class from another source (say GSM8K's word
 * problems for `math`): the mean of its rows, appended after the class's own
 * centroid, leaving the center alone. classify() takes the nearest centroid,
 * so a class may have several.
 */
export function withExtraCentroids(spec: CentroidSpec, extras: readonly { class: PromptClass; rows: readonly LabelledFeatures[] }[]): CentroidSpec {
  const round = (x: number) => Number(x.toFixed(DECIMALS));
  const added = extras
    .filter((e) => e.rows.length > 0)
    .map((e) => {
      const dims = e.rows[0]!.features.length;
      const sum = new Float64Array(dims);
      for (const r of e.rows) for (let d = 0; d < dims; d++) sum[d]! += r.features[d]!;
      return { class: e.class, vector: Array.from(sum, (x) => round(x / e.rows.length)) };
    });
  return { ...spec, centroids: [...spec.centroids, ...added] };
}
