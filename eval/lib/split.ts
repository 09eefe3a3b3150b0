// The fixed rule that splits every labelled set into a tuning part and a
// held-out part (pure). Tuning (training the verifier, choosing its cut) reads
// only the tuning part; every figure we publish is on the held-out part.
//
// A pair's part is a hash of its identity: "<set>:<id>" for public sets (their
// own pair ids), "own:<a>\n<b>" for our pairs (they have no ids). FNV-1a 32 of
// the key, mixed (MurmurHash3's finaliser); even → tuning, odd → held-out: about
// 50/50, stable when sets grow, and independent of line order.

import type { LabelledPair } from "./pairs";

export type Part = "tuning" | "held-out";

function fnv1a(s: string): number {
  let h = 0x811c9dc5 | 0;
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 0x01000193);
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/** The key a pair is split by. */
export function splitKey(set: string, pair: Pick<LabelledPair, "a" | "b" | "id">): string {
  return pair.id ? `${set}:${pair.id}` : `${set}:${pair.a}\n${pair.b}`;
}

export function partOf(key: string): Part {
  return (fnv1a(key) & 1) === 0 ? "tuning" : "held-out";
}

/**
 * Whether a pair is in a deterministic sample keeping about `share` of a set
 * (bits of the same hash the split does not use, so the sample is independent of the part).
 */
export function inSample(key: string, share: number): boolean {
  if (share >= 1) return true;
  return ((fnv1a(key) >>> 1) & 0xffff) / 0x10000 < share;
}
