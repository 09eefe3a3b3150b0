// Turns estimates into an ordered plan: filter by health and constraints,
// score by policy, then pick the first by power-of-two-choices among the
// near-best so that isolates reading the same slightly stale snapshot spread
// their traffic instead of all piling onto one origin.
import { own } from "../own";
import type { Candidate } from "./candidates";
import { estimate, MIN_SAMPLES, NO_PEERS, rttMs, type Estimate, type Peers, type Workload } from "./estimate";
import type { Constraints, Policy, RoutingPreferences } from "./policy";
import type { RegionSnapshot } from "../stats/region-snapshot";
import { SETTING_DEFAULTS } from "../settings";

export interface Scored {
  candidate: Candidate;
  estimate: Estimate;
  /** Lower is better. */
  score: number;
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
}

/**
 * Near-best: within this much of the best score. Scores are milliseconds for
 * `latency` and ratios for the others, so the slack is the policy's own: a gap
 * smaller than measurement noise is no reason to send every isolate the same way.
 */
const SLACK = { latency: (_best: number) => 25, cost: (best: number) => best * 0.01, balanced: (_best: number) => 0.02 };
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
  const eligible: Scored[] = [];
  const excluded: RoutePlan["excluded"] = [];
  const peers = measuredPeers(candidates, snapshot);
  for (const candidate of candidates) {
    const est = estimate(candidate, own(snapshot?.origins, candidate.origin.id), work, localInFlight(candidate.origin.id), peers);
    const reason = violation(candidate, est, prefs.constraints);
    if (reason) excluded.push({ origin: candidate.origin.id, reason });
    else eligible.push({ candidate, estimate: est, score: 0 });
  }
  score(eligible, prefs.policy);
  eligible.sort((a, b) => a.score - b.score || a.estimate.latencyMs - b.estimate.latencyMs);
  if (prefs.policy.kind === "pinned") return { ordered: eligible, excluded, reason: reasonFor(eligible, prefs.policy) };
  const explored = explore(eligible, exploreRate, random);
  if (explored) return { ordered: explored, excluded, reason: `exploring an unmeasured origin; ${eligible.length} eligible` };
  const ordered = twoChoices(eligible, SLACK[prefs.policy.kind](eligible[0]?.score ?? 0), random);
  return { ordered, excluded, reason: reasonFor(ordered, prefs.policy) };
}

/** Medians over the candidates this region has measured enough to trust. */
function measuredPeers(candidates: readonly Candidate[], snapshot: RegionSnapshot | null): Peers {
  if (!snapshot) return NO_PEERS;
  const base: number[] = [];
  const tpot: number[] = [];
  for (const c of candidates) {
    const m = own(own(snapshot.origins, c.origin.id)?.models, c.upstreamModel);
    if (!m || m.samples < MIN_SAMPLES) continue;
    if (m.ttftMs != null) base.push(Math.max(0, m.ttftMs - rttMs(c.distanceKm)));
    if (m.tpotMs != null) tpot.push(m.tpotMs);
  }
  return { baseTtftMs: median(base) ?? NO_PEERS.baseTtftMs, tpotMs: median(tpot) ?? NO_PEERS.tpotMs };
}

function median(values: number[]): number | null {
  if (values.length === 0) return null;
  values.sort((a, b) => a - b);
  return values[values.length >> 1]!;
}

/** Now and then, an under-measured eligible origin goes first. */
function explore(sorted: Scored[], rate: number, random: () => number): Scored[] | null {
  if (rate <= 0 || sorted.length < 2 || random() >= rate) return null;
  const unmeasured = sorted.filter((s, i) => i > 0 && s.estimate.samples < MIN_SAMPLES);
  if (unmeasured.length === 0) return null;
  const pick = unmeasured[Math.floor(random() * unmeasured.length)]!;
  return [pick, ...sorted.filter((s) => s !== pick)];
}

function violation(c: Candidate, e: Estimate, k: Constraints): string | null {
  if (e.circuit === "open") return "circuit open";
  if (k.regions && !k.regions.includes(c.origin.region)) return `region ${c.origin.region} not allowed`;
  if (k.maxPricePerM !== undefined && e.pricePerM > k.maxPricePerM) return `price ${e.pricePerM.toFixed(3)}/M over ${k.maxPricePerM}`;
  if (k.maxTtftMs !== undefined && e.ttftMs > k.maxTtftMs) return `ttft ${Math.round(e.ttftMs)}ms over ${k.maxTtftMs}`;
  return null;
}

function score(list: Scored[], policy: Policy): void {
  const halfOpen = (s: Scored) => (s.estimate.circuit === "half_open" ? HALF_OPEN_PENALTY : 1);
  switch (policy.kind) {
    case "latency":
      for (const s of list) s.score = s.estimate.latencyMs * halfOpen(s);
      return;
    case "cost":
      // Price first; latency only breaks ties (it is far smaller than a price step).
      for (const s of list) s.score = s.estimate.priceUsd * halfOpen(s) * (1 + s.estimate.latencyMs / 1e9);
      return;
    case "balanced": {
      // Each term relative to the worst candidate, so both lie in [0, 1] (a free origin included).
      const maxLatency = Math.max(...list.map((s) => s.estimate.latencyMs)) || 1;
      const maxPrice = Math.max(...list.map((s) => s.estimate.priceUsd)) || 1;
      const w = policy.latencyWeight;
      for (const s of list) s.score = (w * (s.estimate.latencyMs / maxLatency) + (1 - w) * (s.estimate.priceUsd / maxPrice)) * halfOpen(s);
      return;
    }
    case "pinned": {
      // The tenant's order; origins it did not name follow, fastest first.
      for (const s of list) {
        const rank = policy.order.indexOf(s.candidate.origin.id);
        s.score = (rank >= 0 ? rank : policy.order.length) * 1e9 + s.estimate.latencyMs * halfOpen(s);
      }
      return;
    }
  }
}

/**
 * Power of two choices among the near-best: sample two, keep the better after
 * a jitter as large as the slack, so near-equals share the traffic while a
 * clearly better origin still wins every time.
 */
function twoChoices(sorted: Scored[], slack: number, random: () => number): Scored[] {
  const best = sorted[0];
  if (!best || sorted.length < 2) return sorted;
  let pool = 1;
  while (pool < Math.min(sorted.length, POOL_MAX) && sorted[pool]!.score - best.score <= slack) pool++;
  if (pool < 2) return sorted;
  const i = Math.floor(random() * pool);
  let j = Math.floor(random() * (pool - 1));
  if (j >= i) j++;
  const jittered = (k: number) => sorted[k]!.score + slack * (random() - 0.5);
  const winner = jittered(i) <= jittered(j) ? i : j;
  if (winner === 0) return sorted;
  const ordered = sorted.slice();
  const [chosen] = ordered.splice(winner, 1);
  ordered.unshift(chosen!);
  return ordered;
}

function reasonFor(ordered: Scored[], policy: Policy): string {
  const first = ordered[0];
  if (!first) return "no eligible origin";
  const e = first.estimate;
  const basis = policy.kind === "cost" ? `price $${(e.pricePerM).toFixed(3)}/M` : `expected ${Math.round(e.latencyMs)}ms (ttft ${Math.round(e.ttftMs)}ms, ${e.source})`;
  return `${basis}; ${ordered.length} eligible`;
}
