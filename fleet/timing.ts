// Pure timing model: turns the measured H100 tables into a prefill time for
// any prompt length and a decode-step time for any (batch, context).
//
// Inside the tables we interpolate piecewise-linearly in log2(x), because the
// samples are spaced geometrically (128, 512, 2048, ...). Outside them:
//  - below the first sample we clamp (fixed launch/weight-read overhead
//    dominates small prompts and batch 1 is the floor);
//  - above the last sample we extrapolate linearly in x with the slope of the
//    last segment (prefill compute and KV traffic grow ~linearly there).
// Every result is divided by `speed` (1 = real H100, 20 = twenty times faster)
// so tests can run the same model quickly.

import { PROFILES, type DecodeRow, type GpuProfile, type ProfileName, type Sample } from "./gpu-profiles";

export type ProfileRef = GpuProfile | ProfileName;

function resolve(p: ProfileRef): GpuProfile {
  return typeof p === "string" ? PROFILES[p] : p;
}

function checkSpeed(speed: number): number {
  if (!(speed > 0) || !Number.isFinite(speed)) throw new RangeError(`speed must be a positive finite number, got ${speed}`);
  return speed;
}

/** Piecewise-linear in log2(x) inside the table, clamped below, linear extrapolation above. */
export function interpolate(samples: readonly Sample[], x: number): number {
  const n = samples.length;
  if (n === 0) throw new RangeError("empty sample table");
  const first = samples[0]!;
  if (n === 1 || x <= first[0]) return first[1];
  const last = samples[n - 1]!;
  if (x >= last[0]) {
    const prev = samples[n - 2]!;
    // Never let a dip in the measurements make time shrink as x grows.
    const slope = Math.max(0, (last[1] - prev[1]) / (last[0] - prev[0]));
    return last[1] + slope * (x - last[0]);
  }
  for (let i = 1; i < n; i++) {
    const hi = samples[i]!;
    if (x <= hi[0]) {
      const lo = samples[i - 1]!;
      const t = (Math.log2(x) - Math.log2(lo[0])) / (Math.log2(hi[0]) - Math.log2(lo[0]));
      return lo[1] + t * (hi[1] - lo[1]);
    }
  }
  return last[1]; // unreachable: x < last[0] was handled by the loop
}

/** Time to prefill one prompt of `promptTokens` tokens (batch-1 prefill). */
export function prefillMs(profile: ProfileRef, promptTokens: number, speed = 1): number {
  const p = resolve(profile);
  return interpolate(p.prefill, Math.max(1, promptTokens)) / checkSpeed(speed);
}

function maxBatch(row: DecodeRow): number {
  return row.byBatch[row.byBatch.length - 1]![0];
}

// A row measured only up to a smaller batch (ctx4096 stops at b32) is extended
// by scaling its extra cost over the base row linearly with batch: the extra
// cost of a longer context is KV-cache reads, which are per sequence. (The
// measurements agree: ctx4096-ctx1024 at b8 and b32 is ~0.125 ms per sequence
// on llama-8b.)
function rowAt(base: DecodeRow, row: DecodeRow, batch: number): number {
  const top = maxBatch(row);
  if (row === base || batch <= top) return interpolate(row.byBatch, batch);
  const extraAtTop = interpolate(row.byBatch, top) - interpolate(base.byBatch, top);
  return interpolate(base.byBatch, batch) + (extraAtTop * batch) / top;
}

/**
 * Time of one decode step producing one token for each of `batch` running
 * sequences whose (mean) context length is `ctx`. Linear in ctx between and
 * beyond the measured rows (attention reads grow linearly with context).
 */
export function decodeStepMs(profile: ProfileRef, batch: number, ctx: number, speed = 1): number {
  const p = resolve(profile);
  const rows = p.decode;
  const base = rows[0];
  if (!base) throw new RangeError(`profile ${p.name} has no decode rows`);
  const b = Math.max(1, batch);
  const c = Math.max(0, ctx);
  let ms: number;
  if (rows.length === 1) {
    ms = rowAt(base, base, b);
  } else {
    // Pick the bracketing pair, or the nearest pair when extrapolating.
    let i = 0;
    while (i < rows.length - 2 && c > rows[i + 1]!.ctx) i++;
    const r0 = rows[i]!;
    const r1 = rows[i + 1]!;
    const y0 = rowAt(base, r0, b);
    const y1 = rowAt(base, r1, b);
    ms = y0 + ((y1 - y0) * (c - r0.ctx)) / (r1.ctx - r0.ctx);
  }
  // Guard against extrapolating below zero for tiny contexts on odd tables.
  const floor = base.byBatch[0]![1] * 0.5;
  return Math.max(floor, ms) / checkSpeed(speed);
}
