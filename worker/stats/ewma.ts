// Time-decayed moving averages. Decay depends on the time between samples,
// not on their count, so a burst of samples does not erase a long history and
// an idle origin's estimate ages the same whatever its traffic.

/** Plain EWMA with time constant `tauMs`. */
export function ewma(prev: number, prevAt: number, sample: number, now: number, tauMs: number): number {
  if (prevAt <= 0) return sample;
  const w = Math.exp(-Math.max(0, now - prevAt) / tauMs);
  return prev * w + sample * (1 - w);
}

/**
 * Peak-EWMA (as in Finagle's and tower's load balancers): a sample above the
 * current value is taken at once, a lower one only decays it. A degrading
 * origin is noticed on its first slow answer; it must prove recovery over time.
 */
export function peakEwma(prev: number, prevAt: number, sample: number, now: number, tauMs: number): number {
  if (prevAt <= 0 || sample > prev) return sample;
  return ewma(prev, prevAt, sample, now, tauMs);
}
