// Turns estimates into an ordered plan: filter by health and constraints,
// score by the request's objective, put origins that miss its preferences
// (tokens/s floor, TTFT cutoffs) after those that meet them, then pick the
// first: by prefix affinity when the request has a prefix key, else by
// power-of-two-choices among the near-best so that isolates reading the same
// slightly stale snapshot spread their traffic instead of piling onto one.
import { own } from "../own";
import { REGION_CENTRES, type GeoPoint } from "./regions";
import { distanceKm } from "./geo";
import type { Candidate } from "./candidates";
import { BOUNDED_LOAD_C, chooseByAffinity, hashString, type AffinityMember } from "./affinity";
import { blankEstimate, copyEstimate, estimateBase, estimateFrom, MIN_SAMPLES, type EstimateBase, NO_PEERS, rttMs, type Estimate, type LoadView, type Peers, type Workload } from "./estimate";
import type { ModelSummary, OriginSummary } from "../stats/origin-stats";
import { objectiveOf, tokensPerSFloor, type Constraints, type Objective, type RoutingPreferences, type TtftCutoffs } from "./policy";
import type { RegionSnapshot } from "../stats/region-snapshot";
import { SETTING_DEFAULTS } from "../settings";

export interface Scored {
  candidate: Candidate;
  estimate: Estimate;
  /** Lower is better. */
  score: number;
  /** 0: meets the request's preferences; 1: misses one (goes after every 0). */
  tier: number;
}

/** An origin the constraints ruled out, and why. */
export interface Excluded {
  origin: string;
  reason: string;
}

export interface RoutePlan {
  /** Try in this order. */
  ordered: Scored[];
  excluded: Excluded[];
  /** Why the first was chosen, for `x-meridian-route`. */
  reason: string;
  /** What the plan optimized (the policy, with `auto` resolved). */
  objective: Objective;
  /** Whether prefix affinity chose the first origin: `spilled` when the key's preferred origin was too loaded. */
  affinity: "chosen" | "spilled" | null;
}

/**
 * Near-best: within this much of the best score. Scores are milliseconds for
 * the time objectives and ratios for the others, so the slack is the
 * objective's own: a gap smaller than measurement noise is no reason to send
 * every isolate the same way.
 */
const TIME_SLACK_MS = 25;
function slackOf(kind: Objective["kind"], best: number): number {
  return kind === "cost" ? best * 0.01 : kind === "balanced" ? 0.02 : TIME_SLACK_MS;
}
const POOL_MAX = 4;
/** A half-open circuit gets trial traffic only when it is clearly the best. */
const HALF_OPEN_PENALTY = 3;
/** The default share of requests sent to origins a region has not measured yet (settings.ts says why). */
export const DEFAULT_EXPLORE_RATE: number = SETTING_DEFAULTS.exploreRate;

export function plan(
  candidates: readonly Candidate[],
  snapshot: RegionSnapshot | null,
  work: Workload,
  prefs: RoutingPreferences,
  localInFlight: (origin: string) => number,
  random: () => number = Math.random,
  exploreRate = DEFAULT_EXPLORE_RATE,
  limit = Infinity,
): RoutePlan {
  const objective = objectiveOf(prefs.policy, work.stream);
  const excluded: RoutePlan["excluded"] = [];
  const prep = prepared(candidates, snapshot);
  const bases = prefs.engineLoad !== false ? prep.withLoad() : prep.withoutLoad();
  const floor = tokensPerSFloor(prefs, objective);
  const cutoffs = prefs.preferredTtftMs;
  // Every candidate is estimated into reused scratch; only the plan's first `limit` become objects.
  const n = candidates.length;
  grow(n);
  let m = 0;
  for (let i = 0; i < n; i++) {
    const candidate = candidates[i]!;
    const id = candidate.origin.id;
    const est = estimateFrom(scratch[i]!, bases[i]!, candidate, work, localInFlight(id));
    const reason = violation(candidate, est, prefs.constraints);
    if (reason) {
      excluded.push({ origin: id, reason });
      continue;
    }
    tiers[i] = (floor > 0 && est.tokensPerS < floor) || (cutoffs && overCutoffs(est, cutoffs)) ? 1 : 0;
    order[m++] = i;
  }
  if (objective.kind === "cost") boundCostByTime(m);
  score(candidates, m, objective);
  sortOrder(m);
  const done = (reason: string, affinity: RoutePlan["affinity"] = null): RoutePlan => {
    if (objective.kind === "cost") lastResortByTime(m, limit);
    return { ordered: materialize(candidates, m, limit), excluded, reason, objective, affinity };
  };
  if (objective.kind === "pinned") return done(reasonFor(objective, m));
  if (explore(m, exploreRate, random)) return done(`exploring an unmeasured origin; ${m} eligible`);
  if (work.prefixKey && prefs.affinity !== false) {
    const why = affinityFirst(candidates, m, objective, work, work.prefixKey);
    if (why) return done(`${why.text}; ${reasonFor(objective, m)}`, why.spilled ? "spilled" : "chosen");
  }
  twoChoices(m, slackOf(objective.kind, m > 0 ? scores[order[0]!]! : 0), random);
  return done(reasonFor(objective, m));
}

// Scratch shared by every plan() of the isolate (plans run one at a time: no await inside).
let scratch: Estimate[] = [];
let scores = new Float64Array(64);
let tiers = new Uint8Array(64);
/** Eligible candidates' indices, best first once sorted. */
let order = new Int32Array(64);

function grow(n: number): void {
  while (scratch.length < n) scratch.push(blankEstimate());
  if (scores.length < n) {
    const size = Math.max(n, scores.length * 2);
    scores = new Float64Array(size);
    tiers = new Uint8Array(size);
    order = new Int32Array(size);
  }
}

/** The first `limit` of the plan as objects the caller owns. */
function materialize(candidates: readonly Candidate[], m: number, limit: number): Scored[] {
  const k = Math.min(m, limit);
  const out: Scored[] = new Array(k);
  for (let r = 0; r < k; r++) {
    const i = order[r]!;
    out[r] = { candidate: candidates[i]!, estimate: copyEstimate(scratch[i]!), score: scores[i]!, tier: tiers[i]! };
  }
  return out;
}

/**
 * Sorts order[0..m) by tier, then score, ties in candidate order (stable).
 * No comparator: each score becomes a float64 key whose lowest mantissa bits
 * carry the candidate's index (a change of under 1e-13 relative), and the
 * typed array sorts numerically in native code; the index comes back out of
 * the same bits. Beyond 128 candidates the engine's comparator sort does it.
 */
function sortOrder(m: number): void {
  if (m > INDEX_MASK + 1) {
    const sorted = Array.from(order.subarray(0, m)).sort(byTierScore);
    for (let r = 0; r < m; r++) order[r] = sorted[r]!;
    return;
  }
  let first = 0;
  for (let r = 0; r < m; r++) if (tiers[order[r]!] === 0) keyOf(first++, order[r]!);
  let second = first;
  for (let r = 0; r < m; r++) if (tiers[order[r]!] !== 0) keyOf(second++, order[r]!);
  keys.subarray(0, first).sort();
  keys.subarray(first, m).sort();
  for (let r = 0; r < m; r++) order[r] = keyBits[r * 2 + LOW]! & INDEX_MASK;
}

/** Key `r`: the score (non-negative and finite; anything else sorts last) with `index` in its low bits. */
function keyOf(r: number, index: number): void {
  const score = scores[index]!;
  keys[r] = score >= 0 && score < 1e300 ? score : 1e300;
  keyBits[r * 2 + LOW] = (keyBits[r * 2 + LOW]! & ~INDEX_MASK) | index;
}

const INDEX_MASK = 127;
const keys = new Float64Array(INDEX_MASK + 1);
const keyBits = new Uint32Array(keys.buffer);
/** Which 32-bit half of a float64 holds the low mantissa bits (the first on little-endian machines). */
const LOW = new Uint8Array(new Float64Array([1]).buffer)[7] === 0x3f ? 0 : 1;

function byTierScore(a: number, b: number): number {
  return tiers[a]! - tiers[b]! || scores[a]! - scores[b]! || a - b;
}

/** Moves the entry at rank `at` to the front, keeping the others' order. */
function toFront(at: number): void {
  const chosen = order[at]!;
  for (let k = at; k > 0; k--) order[k] = order[k - 1]!;
  order[0] = chosen;
}

/**
 * The cost objective's last resort goes by time. Origins are tried cheapest
 * first (a hedge, too, goes to the next cheapest), but the last attempt the
 * plan allows goes to the origin with the soonest first token among those
 * left: by then every cheaper choice has failed or timed out, and the request
 * has one chance left (measured in the simulation: with price-ordered plans a
 * few streams waited out three timeouts on cheap, queued origins).
 */
function lastResortByTime(m: number, limit: number): void {
  const last = Math.min(m, limit) - 1;
  if (last < 1) return;
  let best = last;
  for (let j = last + 1; j < m; j++) {
    const a = order[j]!;
    const b = order[best]!;
    if (tiers[a]! < tiers[b]! || (tiers[a] === tiers[b] && scratch[a]!.firstTokenMs < scratch[b]!.firstTokenMs)) best = j;
  }
  const chosen = order[best]!;
  order[best] = order[last]!;
  order[last] = chosen;
}

const members: AffinityMember[] = [];
const poolRanks: number[] = [];

/**
 * The cost objective buys the cheapest origin that still answers in
 * reasonable time: one expected to give the first token later than
 * COST_TIME_BOUND x the fastest plus COST_TIME_SLACK_MS goes after those that
 * do. Without it, every PoP sends its cost-minded traffic to the one cheapest
 * origin until its queue times requests out (measured in the simulation:
 * 22-27% of streams).
 */
const COST_TIME_BOUND = 2;
const COST_TIME_SLACK_MS = 500;
function boundCostByTime(m: number): void {
  let fastest = Infinity;
  for (let r = 0; r < m; r++) fastest = Math.min(fastest, scratch[order[r]!]!.firstTokenMs);
  const bound = fastest * COST_TIME_BOUND + COST_TIME_SLACK_MS;
  for (let r = 0; r < m; r++) if (scratch[order[r]!]!.firstTokenMs > bound) tiers[order[r]!] = 1;
}

/**
 * Puts the key's origin first. The pool is the healthy (closed-circuit)
 * candidates of the best tier within the affinity slack of the best: for the
 * time objectives, what a prefix hit would save (the best origin's own time x
 * the share of the input that is the prefix), at least the usual slack and at
 * most half the best score, so affinity never picks a far or slow origin.
 */
function affinityFirst(candidates: readonly Candidate[], m: number, objective: Objective, work: Workload, key: string): { text: string; spilled: boolean } | null {
  if (m === 0) return null;
  const best = order[0]!;
  const bestScore = scores[best]!;
  let slack: number;
  if (objective.kind === "cost") slack = bestScore * 0.02;
  else if (objective.kind === "balanced") slack = 0.05;
  else {
    const share = Math.min(1, (work.prefixTokens ?? 0) / Math.max(1, work.inputTokens));
    slack = Math.max(TIME_SLACK_MS, Math.min(scratch[best]!.serviceMs * share, bestScore * 0.5));
  }
  const limit = bestScore + slack;
  let n = 0;
  poolRanks.length = 0;
  for (let r = 0; r < m; r++) {
    const i = order[r]!;
    if (tiers[i] !== tiers[best] || scores[i]! > limit) break;
    if (scratch[i]!.circuit !== "closed") continue;
    const member = members[n] ?? (members[n] = { id: "", weight: 1, load: 0 });
    member.id = candidates[i]!.origin.id;
    member.weight = candidates[i]!.origin.weight;
    member.load = scratch[i]!.sharedLoad;
    poolRanks.push(r);
    n++;
  }
  members.length = n;
  const choice = chooseByAffinity(members, hashString(key));
  if (!choice) return null;
  const at = poolRanks[choice.index]!;
  const id = members[choice.index]!.id;
  if (at > 0) toFront(at);
  const text = choice.spilled ? `affinity spilled: ${choice.spilled} (${BOUND_TEXT}), to ${id}, choice ${choice.rank + 1} of ${n}` : `affinity ${id}, choice 1 of ${n}`;
  return { text, spilled: choice.spilled !== null };
}
const BOUND_TEXT = `bound ${BOUNDED_LOAD_C}x mean`;

/** Whether the origin is expected over any of the cutoffs (p75 and p90 between its median and p95). */
function overCutoffs(e: Estimate, c: TtftCutoffs): boolean {
  const p50 = e.ttftMs;
  const p95 = e.ttftP95Ms ?? p50;
  if (c.p50 !== undefined && p50 > c.p50) return true;
  if (c.p75 !== undefined && p50 + ((p95 - p50) * 25) / 45 > c.p75) return true;
  if (c.p90 !== undefined && p50 + ((p95 - p50) * 40) / 45 > c.p90) return true;
  if (c.p99 !== undefined && (e.ttftP99Ms ?? p95) > c.p99) return true;
  return false;
}

/** What plan() reads from a snapshot for a candidate list: the same for every request until either changes. */
class Prepared {
  private loaded: EstimateBase[] | null = null;
  private passive: EstimateBase[] | null = null;

  constructor(
    readonly candidates: readonly Candidate[],
    readonly origins: RegionSnapshot["origins"] | null,
    readonly at: number,
    readonly stats: (OriginSummary | undefined)[],
    readonly models: (ModelSummary | undefined)[],
    readonly peers: Peers,
    /** Each candidate's round trip from the region's centre: what the region's measured TTFTs include. */
    readonly regionRtt: number[] | null,
    readonly passivePeers: Peers,
  ) {}

  /** Each candidate's estimate base, reading the engines' load. */
  withLoad(): EstimateBase[] {
    return (this.loaded ??= this.bases({ engineLoad: true, at: this.at }));
  }

  /** Each candidate's estimate base, in-flight only (the latency-only router). */
  withoutLoad(): EstimateBase[] {
    return (this.passive ??= this.bases({ engineLoad: false, at: this.at }));
  }

  private bases(view: LoadView): EstimateBase[] {
    const out: EstimateBase[] = new Array(this.candidates.length);
    // The latency-only router (today's) keeps its old view: this PoP's trip taken for the region's.
    const trips = view.engineLoad ? this.regionRtt : null;
    const peers = view.engineLoad ? this.peers : this.passivePeers;
    for (let i = 0; i < out.length; i++) out[i] = estimateBase(this.candidates[i]!, this.stats[i], this.models[i], peers, view, trips?.[i]);
    return out;
  }
}

const NO_SNAPSHOT = new WeakMap<readonly Candidate[], Prepared>();
const BY_SNAPSHOT = new WeakMap<RegionSnapshot, WeakMap<readonly Candidate[], Prepared>>();

/**
 * The snapshot's summaries for each candidate and the peers' medians, kept
 * per (snapshot, candidate list): snapshots are replaced, never edited, and
 * rankCandidates hands out one list per origin list, model and PoP, so an
 * isolate looks these up once a snapshot, not once a request.
 */
function prepared(candidates: readonly Candidate[], snapshot: RegionSnapshot | null): Prepared {
  const byList = snapshot ? BY_SNAPSHOT.get(snapshot) : NO_SNAPSHOT;
  let p = byList?.get(candidates);
  if (p && p.origins === (snapshot?.origins ?? null) && p.at === (snapshot?.at ?? 0) && p.stats.length === candidates.length) return p;
  const n = candidates.length;
  const stats: (OriginSummary | undefined)[] = new Array(n);
  const models: (ModelSummary | undefined)[] = new Array(n);
  for (let i = 0; i < n; i++) {
    const c = candidates[i]!;
    stats[i] = own(snapshot?.origins, c.origin.id);
    models[i] = own(stats[i]?.models, c.upstreamModel);
  }
  const regionRtt = snapshot ? regionTrips(candidates, snapshot.region) : null;
  const peers = measuredPeers(candidates, snapshot, regionRtt);
  p = new Prepared(candidates, snapshot?.origins ?? null, snapshot?.at ?? 0, stats, models, peers, regionRtt, regionRtt ? measuredPeers(candidates, snapshot, null) : peers);
  if (snapshot) {
    let map = BY_SNAPSHOT.get(snapshot);
    if (!map) BY_SNAPSHOT.set(snapshot, (map = new WeakMap()));
    map.set(candidates, p);
  } else NO_SNAPSHOT.set(candidates, p);
  return p;
}

const baseScratch = new Float64Array(256);
const tpotScratch = new Float64Array(256);

/**
 * The round trip from the region's centre to each candidate. A region's
 * statistics are measured by all its PoPs, so an origin's measured TTFT holds
 * their trips to it, not this PoP's: the centre's trip stands for them and is
 * taken out before this PoP's own is put in (estimateBase). Without it, a PoP
 * next to an origin that the region's far PoPs also use sees that origin as
 * slow by their trips, and sends its streams away.
 */
function regionTrips(candidates: readonly Candidate[], region: string): number[] | null {
  const centre = own(REGION_CENTRES as Record<string, GeoPoint>, region);
  if (!centre) return null;
  const out = new Array<number>(candidates.length);
  for (let i = 0; i < candidates.length; i++) out[i] = rttMs(distanceKm(centre, candidates[i]!.origin));
  return out;
}

/** Medians over the candidates this region has measured enough to trust (their own time, trips taken out). */
function measuredPeers(candidates: readonly Candidate[], snapshot: RegionSnapshot | null, regionRtt: number[] | null): Peers {
  if (!snapshot) return NO_PEERS;
  let nb = 0;
  let nt = 0;
  for (let i = 0; i < candidates.length; i++) {
    const c = candidates[i]!;
    const m = own(own(snapshot.origins, c.origin.id)?.models, c.upstreamModel);
    if (!m || m.samples < MIN_SAMPLES) continue;
    if (m.ttftMs != null && nb < baseScratch.length) baseScratch[nb++] = Math.max(0, m.ttftMs - (regionRtt?.[i] ?? rttMs(c.distanceKm)));
    if (m.tpotMs != null && nt < tpotScratch.length) tpotScratch[nt++] = m.tpotMs;
  }
  if (nb === 0 && nt === 0) return NO_PEERS;
  return { baseTtftMs: median(baseScratch, nb) ?? NO_PEERS.baseTtftMs, tpotMs: median(tpotScratch, nt) ?? NO_PEERS.tpotMs };
}

/** The upper median of the first `n` values (sorted in place: a typed array sorts numerically, no comparator). */
function median(values: Float64Array, n: number): number | null {
  if (n === 0) return null;
  const part = values.subarray(0, n).sort();
  return part[n >> 1]!;
}

/** Now and then, an under-measured eligible origin goes first. */
function explore(m: number, rate: number, random: () => number): boolean {
  if (rate <= 0 || m < 2 || random() >= rate) return false;
  let count = 0;
  for (let r = 1; r < m; r++) if (scratch[order[r]!]!.samples < MIN_SAMPLES) count++;
  if (count === 0) return false;
  let pick = Math.floor(random() * count);
  for (let r = 1; r < m; r++) {
    if (scratch[order[r]!]!.samples >= MIN_SAMPLES) continue;
    if (pick-- === 0) {
      toFront(r);
      return true;
    }
  }
  return false;
}

function violation(c: Candidate, e: Estimate, k: Constraints): string | null {
  if (e.circuit === "open") return "circuit open";
  if (k.regions && !k.regions.includes(c.origin.region)) return `region ${c.origin.region} not allowed`;
  if (k.maxPricePerM !== undefined && e.pricePerM > k.maxPricePerM) return `price ${e.pricePerM.toFixed(3)}/M over ${k.maxPricePerM}`;
  if (k.maxTtftMs !== undefined && e.ttftMs > k.maxTtftMs) return `ttft ${Math.round(e.ttftMs)}ms over ${k.maxTtftMs}`;
  return null;
}

/** Scores the eligible (order[0..m)) by the objective; lower is better. */
function score(candidates: readonly Candidate[], m: number, objective: Objective): void {
  switch (objective.kind) {
    case "ttft":
      for (let r = 0; r < m; r++) {
        const i = order[r]!;
        scores[i] = scratch[i]!.firstTokenMs * halfOpen(scratch[i]!);
      }
      return;
    case "throughput":
    case "latency":
      for (let r = 0; r < m; r++) {
        const i = order[r]!;
        scores[i] = scratch[i]!.latencyMs * halfOpen(scratch[i]!);
      }
      return;
    case "cost":
      // Price first; latency only breaks ties (it is far smaller than a price step).
      for (let r = 0; r < m; r++) {
        const e = scratch[order[r]!]!;
        scores[order[r]!] = e.priceUsd * halfOpen(e) * (1 + e.latencyMs / 1e9);
      }
      return;
    case "balanced": {
      // Each term relative to the worst candidate, so both lie in [0, 1] (a free origin included).
      let maxLatency = 0;
      let maxPrice = 0;
      for (let r = 0; r < m; r++) {
        const e = scratch[order[r]!]!;
        if (e.latencyMs > maxLatency) maxLatency = e.latencyMs;
        if (e.priceUsd > maxPrice) maxPrice = e.priceUsd;
      }
      maxLatency ||= 1;
      maxPrice ||= 1;
      const w = objective.latencyWeight;
      for (let r = 0; r < m; r++) {
        const e = scratch[order[r]!]!;
        scores[order[r]!] = (w * (e.latencyMs / maxLatency) + (1 - w) * (e.priceUsd / maxPrice)) * halfOpen(e);
      }
      return;
    }
    case "pinned": {
      // The tenant's order; origins it did not name follow, fastest first.
      for (let r = 0; r < m; r++) {
        const i = order[r]!;
        const rank = objective.order.indexOf(candidates[i]!.origin.id);
        scores[i] = (rank >= 0 ? rank : objective.order.length) * 1e9 + scratch[i]!.latencyMs * halfOpen(scratch[i]!);
      }
      return;
    }
  }
}

const halfOpen = (e: Estimate) => (e.circuit === "half_open" ? HALF_OPEN_PENALTY : 1);

/**
 * Power of two choices among the near-best: sample two, keep the better after
 * a jitter as large as the slack, so near-equals share the traffic while a
 * clearly better origin still wins every time.
 */
function twoChoices(m: number, slack: number, random: () => number): void {
  if (m < 2) return;
  const best = order[0]!;
  let pool = 1;
  while (pool < Math.min(m, POOL_MAX) && tiers[order[pool]!] === tiers[best] && scores[order[pool]!]! - scores[best]! <= slack) pool++;
  if (pool < 2) return;
  const i = Math.floor(random() * pool);
  let j = Math.floor(random() * (pool - 1));
  if (j >= i) j++;
  const ji = scores[order[i]!]! + slack * (random() - 0.5);
  const jj = scores[order[j]!]! + slack * (random() - 0.5);
  const winner = ji <= jj ? i : j;
  if (winner > 0) toFront(winner);
}

function reasonFor(objective: Objective, m: number): string {
  if (m === 0) return "no eligible origin";
  const first = order[0]!;
  const e = scratch[first]!;
  let basis: string;
  if (objective.kind === "cost") basis = `price $${e.pricePerM.toFixed(3)}/M`;
  else if (objective.kind === "ttft") basis = `expected ttft ${Math.round(e.firstTokenMs)}ms (${e.source}${e.queueMs > 0 ? `, queue ${Math.round(e.queueMs)}ms` : ""}), ${Math.round(e.tokensPerS)} tok/s`;
  else basis = `expected ${Math.round(e.latencyMs)}ms (ttft ${Math.round(e.ttftMs)}ms, ${e.source}${e.queueMs > 0 ? `, queue ${Math.round(e.queueMs)}ms` : ""})`;
  if (tiers[first]! > 0) basis += "; none met the preferences";
  return `${basis}; ${m} eligible`;
}
