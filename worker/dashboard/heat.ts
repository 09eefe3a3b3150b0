// The heat map's colour scale: green when the first token is quick, red when
// it is slow, on a log scale so 50 ms vs 200 ms is as visible as 1 s vs 4 s.

/** At or below this, full green. */
const FAST_MS = 50;
/** At or above this, full red. */
const SLOW_MS = 3_000;

/** 0 (fast) .. 1 (slow). */
export function slowness(ms: number): number {
  const t = Math.log(Math.max(ms, FAST_MS) / FAST_MS) / Math.log(SLOW_MS / FAST_MS);
  return Math.min(1, t);
}

/** A CSS colour for a TTFT; grey when there is no sample yet. */
export function ttftColour(ms: number | null): string {
  if (ms === null) return "hsl(0 0% 88%)";
  const hue = Math.round(120 * (1 - slowness(ms)));
  return `hsl(${hue} 70% 62%)`;
}
