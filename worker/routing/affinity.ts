// Prefix affinity with no coordination: a request that carries a prefix key
// prefers the origin that rendezvous (highest-random-weight) hashing gives
// that key among the near-best healthy candidates, so every PoP and isolate
// reading the same snapshot sends the key to the same engine, whose prefix
// cache then holds it. A bounded-load rule (Mirrokni, Thorup, Zadimoghaddam,
// "Consistent Hashing with Bounded Loads", 2018) spills a key to its next
// rendezvous choice while its preferred origin carries more than c times the
// pool's mean load. docs/routing.md gives the design and the rejected ones.

/**
 * The bound's factor c. MTZ bound the maximum load by ceil(c x mean) while the
 * keys moved per change grow as O(1/(c-1)^2): near 1 keys flap and lose their
 * caches, at 2 an origin carries twice its peers' queue before a key moves.
 * 1.25 keeps every origin within a quarter of the mean while a key stays put
 * until its origin is clearly busier than its peers (docs/routing.md).
 */
export const BOUNDED_LOAD_C = 1.25;

/** FNV-1a over a string's UTF-16 code units, finished with murmur3's avalanche. */
export function hashString(s: string, seed = 0x811c9dc5): number {
  let h = seed >>> 0;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return fmix32(h);
}

/** murmur3's 32-bit finaliser: every input bit flips about half the output bits. */
export function fmix32(x: number): number {
  let h = x >>> 0;
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

const originHashes = new Map<string, number>();

/** An origin id's hash, kept (ids are few and long-lived). */
export function originHash(id: string): number {
  let h = originHashes.get(id);
  if (h === undefined) {
    if (originHashes.size >= 4096) originHashes.clear();
    h = hashString(id, 0x9747b28c);
    originHashes.set(id, h);
  }
  return h;
}

/**
 * Weighted rendezvous score of one origin for one key: -weight / ln(u) with u
 * uniform in (0, 1) from the pair's hash, so an origin of weight 2 wins twice
 * as many keys as one of weight 1, and removing an origin moves only its keys.
 */
export function rendezvousScore(keyHash: number, idHash: number, weight: number): number {
  const u = (fmix32((keyHash ^ Math.imul(idHash, 0x9e3779b1)) >>> 0) + 0.5) / 4294967296;
  return -weight / Math.log(u);
}

/** One candidate as affinity sees it. */
export interface AffinityMember {
  id: string;
  weight: number;
  /** `Estimate.sharedLoad`: the same on every isolate reading the same snapshot. */
  load: number;
}

export interface AffinityChoice {
  /** Index into the members of the origin chosen. */
  index: number;
  /** Its place in the key's rendezvous order (0: the preferred origin). */
  rank: number;
  /** The more preferred origins skipped for load, with their load and the bound, for `x-meridian-route`. */
  spilled: string | null;
}

const scores: number[] = [];

/**
 * The key's origin among `members` (the near-best healthy candidates): the
 * highest rendezvous score whose load, with this request, stays within
 * ceil(c x the members' mean load, this request included), weighted by
 * origin weight. Some member always fits (not all can be above the mean).
 */
export function chooseByAffinity(members: readonly AffinityMember[], keyHash: number, c = BOUNDED_LOAD_C): AffinityChoice | null {
  const n = members.length;
  if (n === 0) return null;
  let total = 1;
  let weights = 0;
  for (let i = 0; i < n; i++) {
    const m = members[i]!;
    total += Math.round(m.load);
    weights += weightOf(m);
    scores[i] = rendezvousScore(keyHash, originHash(m.id), weightOf(m));
  }
  let spilled: string | null = null;
  for (let rank = 0; rank < n; rank++) {
    // The next best score not yet tried (selection, not a sort: a spill is rare).
    let best = -1;
    for (let i = 0; i < n; i++) if (scores[i]! >= 0 && (best < 0 || scores[i]! > scores[best]!)) best = i;
    const m = members[best]!;
    const cap = Math.ceil((c * total * weightOf(m)) / weights);
    // Loads are counted in whole requests (an in-flight estimate of 0.3 is no request at all), as MTZ count them.
    const load = Math.round(m.load);
    if (load + 1 <= cap || rank === n - 1) return { index: best, rank, spilled };
    if (spilled === null) spilled = `${m.id} load ${load} > ${cap - 1}`;
    scores[best] = -1;
  }
  return null;
}

const weightOf = (m: AffinityMember) => (m.weight > 0 && m.weight < 1e9 ? m.weight : 1);
