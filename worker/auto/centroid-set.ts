// Class centroids in feature space, as exchanged (JSON: the shipped
// centroids.json or a tenant's own) and compiled once into flat unit rows for
// classify().

import { FEATURE_DIMS, FEATURE_VERSION } from "./features";
import { PROMPT_CLASSES, type PromptClass } from "../vocabulary/prompt-classes";

/** Centroids as stored and exchanged (JSON). */
export interface CentroidSpec {
  /** The FEATURE_VERSION the vectors were computed with. */
  feature_version: number;
  /** The mean feature vector of the training prompts, subtracted before comparing; absent = no centering. */
  center?: readonly number[];
  /** One or more per class; a class may be left out (it is then never chosen). */
  centroids: readonly { class: string; vector: readonly number[] }[];
}

/** A compiled set: what classify() reads. */
export interface CentroidSet {
  dims: number;
  /** The class of each row. */
  classes: readonly PromptClass[];
  /** Row k (k·dims ..): the unit direction from the center to centroid k. */
  vectors: Float32Array;
  center: Float32Array;
  /** center · row k. */
  centerDots: Float64Array;
  /** |center|². */
  centerNormSq: number;
}

const MAX_CENTROIDS = 64;

/** Checks and compiles a spec; throws an Error that says what is wrong. */
export function compileCentroids(spec: CentroidSpec): CentroidSet {
  if (spec.feature_version !== FEATURE_VERSION) {
    throw new Error(`centroids were built for feature version ${spec.feature_version}; this router computes version ${FEATURE_VERSION}: rebuild them`);
  }
  const n = spec.centroids.length;
  if (n === 0 || n > MAX_CENTROIDS) throw new Error(`centroids: need 1 to ${MAX_CENTROIDS}, got ${n}`);
  const center = new Float32Array(FEATURE_DIMS);
  if (spec.center) center.set(checkedVector(spec.center, "center"));
  const vectors = new Float32Array(n * FEATURE_DIMS);
  const centerDots = new Float64Array(n);
  const classes: PromptClass[] = [];
  spec.centroids.forEach((c, k) => {
    if (!(PROMPT_CLASSES as readonly string[]).includes(c.class)) throw new Error(`centroids[${k}]: unknown class '${c.class}' (classes: ${PROMPT_CLASSES.join(", ")})`);
    const v = checkedVector(c.vector, `centroids[${k}].vector`);
    let normSq = 0;
    for (let d = 0; d < FEATURE_DIMS; d++) normSq += (v[d]! - center[d]!) ** 2;
    if (!(normSq > 1e-12)) throw new Error(`centroids[${k}]: equal to the center, so it has no direction`);
    const scale = 1 / Math.sqrt(normSq);
    let dot = 0;
    for (let d = 0; d < FEATURE_DIMS; d++) {
      const x = (v[d]! - center[d]!) * scale;
      vectors[k * FEATURE_DIMS + d] = x;
      dot += center[d]! * x;
    }
    centerDots[k] = dot;
    classes.push(c.class as PromptClass);
  });
  let centerNormSq = 0;
  for (let d = 0; d < FEATURE_DIMS; d++) centerNormSq += center[d]! * center[d]!;
  return { dims: FEATURE_DIMS, classes, vectors, center, centerDots, centerNormSq };
}

function checkedVector(v: readonly number[], where: string): readonly number[] {
  if (!Array.isArray(v) || v.length !== FEATURE_DIMS) throw new Error(`${where}: need ${FEATURE_DIMS} numbers, got ${Array.isArray(v) ? v.length : typeof v}`);
  for (let d = 0; d < FEATURE_DIMS; d++) if (typeof v[d] !== "number" || !Number.isFinite(v[d])) throw new Error(`${where}[${d}]: not a finite number`);
  return v;
}
