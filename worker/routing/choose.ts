// Turns estimates into an ordered plan: filter by health and constraints,
// score by the request's objective, put origins that miss its preferences
// (tokens/s floor, TTFT cutoffs) after those that meet them, then pick the
// first: by prefix affinity when the request has a prefix key, else by
// power-of-two-choices among the near-best so that isolates reading the same
// slightly stale snapshot spread their traffic instead of piling onto one.
import { own } from "../own";
import type { Candidate } from "./candidates";
import { BOUNDED_LOAD_C, chooseByAffinity, hashString, type AffinityMember } from "./affinity";
import { estimate, MIN_SAMPLES, NO_PEERS, rttMs, type Estimate, type LoadView, type Peers, type Workload } from "./estimate";
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
): RoutePlan {
  const objective = objectiveOf(prefs.policy, work.stream);
  const eligible: Scored[] = [];
  const excluded: RoutePlan["excluded"] = [];
  const peers = measuredPeers(candidates, snapshot);
  const view: LoadView = { engineLoad: prefs.engineLoad !== false, at: snapshot?.at ?? 0 };
  const floor = tokensPerSFloor(prefs, objective);
  const cutoffs = prefs.preferredTtftMs;
  const origins = snapshot?.origins;
  for (let i = 0; i < candidates.length; i++) {
    const candidate = candidates[i]!;
    const id = candidate.origin.id;
    const est = estimate(candidate, own(origins, id), work, localInFlight(id), peers, view);
    const reason = violation(candidate, est, prefs.constraints);
    if (reason) excluded.push({ origin: id, reason });
    else eligible.push({ candidate, estimate: est, score: 0, tier: (floor > 0 && est.tokensPerS < floor) || (cutoffs && overCutoffs(est, cutoffs)) ? 1 : 0 });
  }
  score(eligible, objective);
  eligible.sort(byTierScoreLatency);
  const done = (ordered: Scored[], reason: string, affinity: RoutePlan["affinity"] = null): RoutePlan => ({ ordered, excluded, reason, objective, affinity });
  if (objective.kind === "pinned") return done(eligible, reasonFor(eligible, objective, eligible.length));
  const explored = explore(eligible, exploreRate, random);
  if (explored) return done(explored, `exploring an unmeasured origin; ${eligible.length} eligible`);
  if (work.prefixKey && prefs.affinity !== false) {
    const byKey = affinityOrder(eligible, objective, work, work.prefixKey);
    if (byKey) return done(byKey.ordered, `${byKey.why}; ${reasonFor(byKey.ordered, objective, eligible.length)}`, byKey.spilled ? "spilled" : "chosen");
  }
  const ordered = twoChoices(eligible, slackOf(objective.kind, eligible[0]?.score ?? 0), random);
  return done(ordered, reasonFor(ordered, objective, eligible.length));
}

function byTierScoreLatency(a: Scored, b: Scored): number {
  return a.tier - b.tier || a.score - b.score || a.estimate.latencyMs - b.estimate.latencyMs;
}

const members: AffinityMember[] = [];

/**
 * The key's origin first, the rest in score order. The pool is the healthy
 * (closed-circuit) candidates of the best tier within the affinity slack of
 * the best: for the time objectives, what a prefix hit would save (the best
 * origin's own time x the share of the input that is the prefix), at least
 * the usual slack and at most half the best score, so affinity never picks a
 * far or slow origin.
 */
function affinityOrder(sorted: Scored[], objective: Objective, work: Workload, key: string): { ordered: Scored[]; why: string; spilled: boolean } | null {
  const best = sorted[0];
  if (!best) return null;
  let slack: number;
  if (objective.kind === "cost") slack = best.score * 0.02;
  else if (objective.kind === "balanced") slack = 0.05;
  else {
    const share = Math.min(1, (work.prefixTokens ?? 0) / Math.max(1, work.inputTokens));
    slack = Math.max(TIME_SLACK_MS, Math.min(best.estimate.serviceMs * share, best.score * 0.5));
  }
  const limit = best.score + slack;
  let n = 0;
  const pool: number[] = [];
  for (let i = 0; i < sorted.length; i++) {
    const s = sorted[i]!;
    if (s.tier !== best.tier || s.score > limit) break;
    if (s.estimate.circuit !== "closed") continue;
    const m = members[n] ?? (members[n] = { id: "", weight: 1, load: 0 });
    m.id = s.candidate.origin.id;
    m.weight = s.candidate.origin.weight;
    m.load = s.estimate.sharedLoad;
    pool.push(i);
    n++;
  }
  members.length = n;
  const choice = chooseByAffinity(members, hashString(key));
  if (!choice) return null;
  const at = pool[choice.index]!;
  const ordered = at === 0 ? sorted : moveToFront(sorted, at);
  const id = sorted[at]!.candidate.origin.id;
  const why = choice.spilled
    ? `affinity spilled: ${choice.spilled} (${BOUND_TEXT}), to ${id}, choice ${choice.rank + 1} of ${n}`
    : `affinity ${id}, choice 1 of ${n}`;
  return { ordered, why, spilled: choice.spilled !== null };
}
const BOUND_TEXT = `bound ${BOUNDED_LOAD_C}x mean`;

function moveToFront(sorted: Scored[], at: number): Scored[] {
  const ordered = sorted.slice();
  const chosen = ordered[at]!;
  for (let k = at; k > 0; k--) ordered[k] = ordered[k - 1]!;
  ordered[0] = chosen;
  return ordered;
}

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

const baseScratch = new Float64Array(256);
const tpotScratch = new Float64Array(256);

/** Medians over the candidates this region has measured enough to trust. */
function measuredPeers(candidates: readonly Candidate[], snapshot: RegionSnapshot | null): Peers {
  if (!snapshot) return NO_PEERS;
  let nb = 0;
  let nt = 0;
  for (let i = 0; i < candidates.length; i++) {
    const c = candidates[i]!;
    const m = own(own(snapshot.origins, c.origin.id)?.models, c.upstreamModel);
    if (!m || m.samples < MIN_SAMPLES) continue;
    if (m.ttftMs != null && nb < baseScratch.length) baseScratch[nb++] = Math.max(0, m.ttftMs - rttMs(c.distanceKm));
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
function explore(sorted: Scored[], rate: number, random: () => number): Scored[] | null {
  if (rate <= 0 || sorted.length < 2 || random() >= rate) return null;
  let count = 0;
  for (let i = 1; i < sorted.length; i++) if (sorted[i]!.estimate.samples < MIN_SAMPLES) count++;
  if (count === 0) return null;
  let pick = Math.floor(random() * count);
  for (let i = 1; i < sorted.length; i++) {
    if (sorted[i]!.estimate.samples >= MIN_SAMPLES) continue;
    if (pick-- === 0) return moveToFront(sorted, i);
  }
  return null;
}

function violation(c: Candidate, e: Estimate, k: Constraints): string | null {
  if (e.circuit === "open") return "circuit open";
  if (k.regions && !k.regions.includes(c.origin.region)) return `region ${c.origin.region} not allowed`;
  if (k.maxPricePerM !== undefined && e.pricePerM > k.maxPricePerM) return `price ${e.pricePerM.toFixed(3)}/M over ${k.maxPricePerM}`;
  if (k.maxTtftMs !== undefined && e.ttftMs > k.maxTtftMs) return `ttft ${Math.round(e.ttftMs)}ms over ${k.maxTtftMs}`;
  return null;
}

function score(list: Scored[], objective: Objective): void {
  const n = list.length;
  switch (objective.kind) {
    case "ttft":
      for (let i = 0; i < n; i++) list[i]!.score = list[i]!.estimate.firstTokenMs * halfOpen(list[i]!);
      return;
    case "throughput":
    case "latency":
      for (let i = 0; i < n; i++) list[i]!.score = list[i]!.estimate.latencyMs * halfOpen(list[i]!);
      return;
    case "cost":
      // Price first; latency only breaks ties (it is far smaller than a price step).
      for (let i = 0; i < n; i++) {
        const s = list[i]!;
        s.score = s.estimate.priceUsd * halfOpen(s) * (1 + s.estimate.latencyMs / 1e9);
      }
      return;
    case "balanced": {
      // Each term relative to the worst candidate, so both lie in [0, 1] (a free origin included).
      let maxLatency = 0;
      let maxPrice = 0;
      for (let i = 0; i < n; i++) {
        const e = list[i]!.estimate;
        if (e.latencyMs > maxLatency) maxLatency = e.latencyMs;
        if (e.priceUsd > maxPrice) maxPrice = e.priceUsd;
      }
      maxLatency ||= 1;
      maxPrice ||= 1;
      const w = objective.latencyWeight;
      for (let i = 0; i < n; i++) {
        const s = list[i]!;
        s.score = (w * (s.estimate.latencyMs / maxLatency) + (1 - w) * (s.estimate.priceUsd / maxPrice)) * halfOpen(s);
      }
      return;
    }
    case "pinned": {
      // The tenant's order; origins it did not name follow, fastest first.
      for (let i = 0; i < n; i++) {
        const s = list[i]!;
        const rank = objective.order.indexOf(s.candidate.origin.id);
        s.score = (rank >= 0 ? rank : objective.order.length) * 1e9 + s.estimate.latencyMs * halfOpen(s);
      }
      return;
    }
  }
}

const halfOpen = (s: Scored) => (s.estimate.circuit === "half_open" ? HALF_OPEN_PENALTY : 1);

/**
 * Power of two choices among the near-best: sample two, keep the better after
 * a jitter as large as the slack, so near-equals share the traffic while a
 * clearly better origin still wins every time.
 */
function twoChoices(sorted: Scored[], slack: number, random: () => number): Scored[] {
  const best = sorted[0];
  if (!best || sorted.length < 2) return sorted;
  let pool = 1;
  while (pool < Math.min(sorted.length, POOL_MAX) && sorted[pool]!.tier === best.tier && sorted[pool]!.score - best.score <= slack) pool++;
  if (pool < 2) return sorted;
  const i = Math.floor(random() * pool);
  let j = Math.floor(random() * (pool - 1));
  if (j >= i) j++;
  const ji = sorted[i]!.score + slack * (random() - 0.5);
  const jj = sorted[j]!.score + slack * (random() - 0.5);
  const winner = ji <= jj ? i : j;
  return winner === 0 ? sorted : moveToFront(sorted, winner);
}

function reasonFor(ordered: Scored[], objective: Objective, eligible: number): string {
  const first = ordered[0];
  if (!first) return "no eligible origin";
  const e = first.estimate;
  let basis: string;
  if (objective.kind === "cost") basis = `price $${e.pricePerM.toFixed(3)}/M`;
  else if (objective.kind === "ttft") basis = `expected ttft ${Math.round(e.firstTokenMs)}ms (${e.source}${e.queueMs > 0 ? `, queue ${Math.round(e.queueMs)}ms` : ""}), ${Math.round(e.tokensPerS)} tok/s`;
  else basis = `expected ${Math.round(e.latencyMs)}ms (ttft ${Math.round(e.ttftMs)}ms, ${e.source}${e.queueMs > 0 ? `, queue ${Math.round(e.queueMs)}ms` : ""})`;
  if (first.tier > 0) basis += "; none met the preferences";
  return `${basis}; ${eligible} eligible`;
}
