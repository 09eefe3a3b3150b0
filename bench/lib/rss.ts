// Resident memory of a process from /proc, sampled over a run, and the
// "does it keep growing?" test used by the load run.

import { readFileSync } from "node:fs";

/** VmRSS of `pid` in MiB, or NaN when it cannot be read. */
export function rssMiB(pid: number): number {
  try {
    const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, "utf8"));
    return m ? Number(m[1]) / 1024 : NaN;
  } catch {
    return NaN;
  }
}

const mean = (xs: readonly number[]): number => xs.reduce((a, b) => a + b, 0) / xs.length;

/**
 * Mean of the last third of the samples against the middle third (the first
 * third is warm-up: caches, JIT, pools filling). Positive = still growing.
 */
export function lateGrowth(samples: readonly number[]): { middle: number; last: number; growth: number } {
  const third = Math.floor(samples.length / 3);
  if (third === 0) return { middle: NaN, last: NaN, growth: NaN };
  const middle = mean(samples.slice(third, 2 * third));
  const last = mean(samples.slice(2 * third));
  return { middle, last, growth: (last - middle) / middle };
}
