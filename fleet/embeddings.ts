// Deterministic embeddings: a unit-length vector derived from a hash of
// (model, input), so equal inputs embed equally on every origin and run.

import { prng, seedFor } from "./text";

export function embed(model: string, input: string, dimensions: number): Float64Array {
  const rnd = prng(seedFor(model, input));
  const v = new Float64Array(dimensions);
  let norm = 0;
  for (let i = 0; i < dimensions; i++) {
    // Uniform in (-1, 1); never all-zero in practice, but guard anyway.
    const x = (rnd() / 0x80000000) - 1;
    v[i] = x;
    norm += x * x;
  }
  norm = Math.sqrt(norm);
  if (norm === 0) {
    v[0] = 1;
    return v;
  }
  for (let i = 0; i < dimensions; i++) v[i] = v[i]! / norm;
  return v;
}
