import { own } from "../own";
import type { Origin } from "../schemas/admin";
import { distanceKm } from "./geo";
import type { GeoPoint } from "./regions";

/** One origin that can serve the requested model, as routing sees it. */
export interface Candidate {
  origin: Origin;
  /** The public model name this candidate serves. */
  model: string;
  /** The model name the origin knows the public model by. */
  upstreamModel: string;
  distanceKm: number;
  /** Lower is better. */
  score: number;
}

/**
 * The seam for smarter routing: given a candidate's facts, return a cost
 * (lower wins). Routing v0 scores by distance alone; measured latency, price
 * and health plug in here.
 */
export type Scorer = (origin: Origin, distanceKm: number) => number;

export const byDistance: Scorer = (_origin, km) => km;

interface Ranked {
  model: string;
  lat: number;
  lon: number;
  score: Scorer;
  list: readonly Candidate[];
}

/** Rankings per origin list: an isolate's origin list is an immutable snapshot (origins/snapshot.ts), replaced on refresh. */
const rankings = new WeakMap<readonly Origin[], Ranked[]>();
/** Rankings kept per origin list (models x PoPs an isolate serves). */
const MAX_RANKINGS = 32;

/**
 * Origins that serve `model` and take traffic, best first. The result is
 * frozen and shared: the same origin list, model, place and scorer give the
 * same list (so plan() can key its own per-snapshot work on it).
 */
export function rankCandidates(origins: readonly Origin[], model: string, from: GeoPoint, score: Scorer = byDistance): readonly Candidate[] {
  let kept = rankings.get(origins);
  if (kept) {
    for (let i = 0; i < kept.length; i++) {
      const r = kept[i]!;
      if (r.model === model && r.lat === from.lat && r.lon === from.lon && r.score === score) return r.list;
    }
  } else rankings.set(origins, (kept = []));
  const list = Object.freeze(rank(origins, model, from, score));
  if (kept.length >= MAX_RANKINGS) kept.shift();
  kept.push({ model, lat: from.lat, lon: from.lon, score, list });
  return list;
}

function rank(origins: readonly Origin[], model: string, from: GeoPoint, score: Scorer): Candidate[] {
  const out: Candidate[] = [];
  for (const origin of origins) {
    if (origin.draining || origin.weight <= 0) continue;
    const upstreamModel = own(origin.models, model);
    if (upstreamModel === undefined) continue;
    const km = distanceKm(from, origin);
    out.push(Object.freeze({ origin, model, upstreamModel, distanceKm: km, score: score(origin, km) }));
  }
  return out.sort((a, b) => a.score - b.score || b.origin.weight - a.origin.weight || (a.origin.id < b.origin.id ? -1 : 1));
}

/** Every public model name some origin serves (draining origins included: they come back). */
export function servedModels(origins: readonly Origin[]): string[] {
  const names = new Set<string>();
  for (const origin of origins) for (const name of Object.keys(origin.models)) names.add(name);
  return [...names].sort();
}
