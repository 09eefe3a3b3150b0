import { prng } from "../fleet/text";

/**
 * mulberry32 (the fleet's generator) scaled to uniform numbers in [0, 1), so
 * tests, benchmarks and fixtures draw the same values on every run.
 */
export function mulberry32(seed: number): () => number {
  const next = prng(seed);
  return () => next() / 4294967296;
}
