// One-way network latency between two points: a base (stack, last mile, TLS
// already warm) plus great-circle distance at an effective 100 km per ms
// (fibre at ~200 km/ms over routes about twice the great circle), times a
// lognormal jitter. The distance part is precomputed per pair.
import { distanceKm } from "../worker/routing/geo";
import type { GeoPoint } from "../worker/routing/regions";
import { lognormalFactor, type Random } from "./rng";

export const BASE_ONE_WAY_MS = 3;
export const KM_PER_MS = 100;
export const JITTER_SIGMA = 0.15;

export function meanOneWayMs(a: GeoPoint, b: GeoPoint): number {
  return BASE_ONE_WAY_MS + distanceKm(a, b) / KM_PER_MS;
}

export class Network {
  constructor(private readonly random: Random) {}

  /** One trip of one message over a path whose mean (jitter-free) latency is `meanMs`. */
  oneWay(meanMs: number): number {
    return meanMs * lognormalFactor(this.random, JITTER_SIGMA);
  }
}
