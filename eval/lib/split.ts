// The fixed rule that splits every labelled set into a tuning part and a
// held-out part (pure). Tuning (training the verifier, choosing its cut) reads
// only the tuning part; every figure we publish is on the held-out part.
//
// A pair's part is a hash of its identity: "<set>:<id>" for public sets (their
// own pair ids), "own:<a>\n<b>" for our pairs (they have no ids). FNV-1a 32 of
// the key, mixed (MurmurHash3's finaliser); even → tuning, odd → held-out: about
// 50/50, stable when sets grow, and independent of line order.

import { hashString } from "../../worker/routing/affinity";
import type { LabelledPair } from "./pairs";

export type Part = "tuning" | "held-out";


/** The key a pair is split by. */
export function splitKey(set: string, pair: Pick<LabelledPair, "a" | "b" | "id">): string {
  return pair.id ? `${set}:${pair.id}` : `${set}:${pair.a}\n${pair.b}`;
}

export function partOf(key: string): Part {
  return (hashString(key) & 1) === 0 ? "tuning" : "held-out";
}

/**
 * Whether a pair is in a deterministic sample keeping about `share` of a set
 * (bits of the same hash the split does not use, so the sample is independent of the part).
 */
export function inSample(key: string, share: number): boolean {
  if (share >= 1) return true;
  return ((hashString(key) >>> 1) & 0xffff) / 0x10000 < share;
}
