// A sparkline's geometry: an hour of one-minute points placed by their time
// (a gap in readings stays a gap in x), scaled to the box. Pure, so the
// page only draws what this computes.
import { MINUTE_MS, SERIES_MINUTES, type LoadPoint } from "../stats/engine-load-series";

export const SPARK_WIDTH = 120;
export const SPARK_HEIGHT = 24;

/**
 * SVG polyline points for one field of the series over the hour before `now`;
 * `max` is the top of the scale (1 for shares, the hour's peak for a queue).
 * Points without a value (a minute with no hit rate) are left out.
 */
export function sparkPoints(series: readonly LoadPoint[], field: "waiting" | "kvUsage" | "prefixHitRate", now: number, max: number): string {
  const start = now - SERIES_MINUTES * MINUTE_MS;
  const top = max > 0 && Number.isFinite(max) ? max : 1;
  const out: string[] = [];
  for (const p of series) {
    const v = p[field];
    if (v === null || p.minute < start) continue;
    const x = ((p.minute + MINUTE_MS / 2 - start) / (SERIES_MINUTES * MINUTE_MS)) * SPARK_WIDTH;
    const y = SPARK_HEIGHT - (Math.min(v, top) / top) * (SPARK_HEIGHT - 2) - 1;
    out.push(`${x.toFixed(1)},${y.toFixed(1)}`);
  }
  return out.join(" ");
}

/** The top of a queue's scale: the hour's peak, at least 1. */
export function queueScale(series: readonly LoadPoint[]): number {
  return series.reduce((m, p) => Math.max(m, p.waiting), 1);
}
