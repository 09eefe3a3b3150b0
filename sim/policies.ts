// How each policy orders the origins for one request. Meridian asks the
// worker's own plan() (estimate.ts + choose.ts) with the region snapshot (and
// in it each origin's engine load) and the isolate's in-flight counts, with
// the worker's defaults for the request's kind; latency-only is the routing
// Meridian shipped before objectives, load and affinity (the latency
// objective on passive statistics only); the baselines ignore statistics.
import type { Candidate } from "../worker/routing/candidates";
import { DEFAULT_EXPLORE_RATE, plan } from "../worker/routing/choose";
import type { Workload } from "../worker/routing/estimate";
import { DEFAULT_PREFERENCES, type RoutingPreferences } from "../worker/routing/policy";
import { DEFAULT_OUTPUT_TOKENS } from "../worker/routing/workload";
import { SETTING_DEFAULTS } from "../worker/settings";
import { hedgeAfter } from "../worker/upstream/hedge";
import type { SimTarget } from "./forward";
import type { Isolate } from "./isolate";
import type { Request } from "./load";
import type { SimOrigin } from "./origin";
import type { RegionStatsSim } from "./region-stats";
import type { Random } from "./rng";

export const POLICIES = ["meridian", "latency-only", "nearest", "random", "cheapest"] as const;
/**
 * Opt-in variants (SIM_EXTRA): Meridian with hedging off, as `x-meridian-hedge: off` or
 * HEDGE_BUDGET=0 would run it; Meridian with the cost objective, as a tenant's
 * `policy: {kind: "cost"}` or `x-meridian-policy: cost` would run it.
 */
export const EXTRA_POLICIES = ["meridian-nohedge", "meridian-cost"] as const;
export type PolicyName = (typeof POLICIES)[number] | (typeof EXTRA_POLICIES)[number];

export function isPolicyName(s: string): s is PolicyName {
  return (POLICIES as readonly string[]).includes(s) || (EXTRA_POLICIES as readonly string[]).includes(s);
}

/** Policies that route with Meridian's statistics. */
export const usesStatistics = (p: PolicyName): boolean => p === "meridian" || p === "meridian-nohedge" || p === "meridian-cost" || p === "latency-only";

/** Policies that see the engines' own load (the region snapshots carry each origin's /metrics). */
export const seesEngineLoad = (p: PolicyName): boolean => p === "meridian" || p === "meridian-nohedge" || p === "meridian-cost";

/**
 * The name of a policy's random streams (network jitter, routing draws). Meridian and latency-only
 * share "meridian", the name today's Meridian always ran under: the two see the same jitter (common
 * random numbers, so their difference is their routing) and latency-only reproduces the old runs.
 */
export const streamName = (p: PolicyName): string => (p === "latency-only" ? "meridian" : p);

/**
 * The worker's default preferences for a request of this kind: DEFAULT_PREFERENCES, whose policy
 * (SEAM: `auto` once the routing change lands) means the first token for a stream and the whole
 * answer otherwise; until then, the latency objective every request has had.
 */
export function defaultPreferencesFor(_req: Request): RoutingPreferences {
  return DEFAULT_PREFERENCES;
}

// Written as a spread so it compiles against routing preferences with and without the switches.
const OFF = { engineLoad: false, affinity: false };
/** Today's routing: the latency objective, engine load and prefix affinity off (LATENCY_ONLY_PREFERENCES of the routing change). */
export const LATENCY_ONLY_PREFERENCES: RoutingPreferences = { ...OFF, policy: { kind: "latency" }, constraints: {}, hedge: true };

/** What the proxy knows of a request before sending it: its size, its cap (if any), its kind, its prefix key. */
export function workloadOf(req: Request, withAffinity: boolean): Workload {
  const capped = req.cap !== null;
  const work = {
    inputTokens: req.promptTokens,
    // outputCap() of worker/routing/workload.ts: the client's cap up to 4096, else the default.
    outputTokens: capped ? Math.min(req.cap!, 4096) : DEFAULT_OUTPUT_TOKENS,
    stream: req.stream,
    capped,
    ...(withAffinity && req.prefixKey !== null ? { prefixKey: req.prefixKey, prefixTokens: req.prefixTokens } : {}),
  };
  // SEAM: `capped`, `prefixKey` and `prefixTokens` are fields of the routing change's Workload; today's ignores them.
  return work;
}

/** What a PoP hands its router. */
export interface PopContext {
  /** rankCandidates() from this PoP: every origin serving the model, nearest first. */
  readonly candidates: readonly Candidate[];
  readonly isolate: Isolate;
  readonly region: RegionStatsSim;
}

export interface Router {
  readonly name: PolicyName;
  /** Whether attempts may be hedged (Meridian only). */
  readonly hedging: boolean;
  route(req: Request, pop: PopContext): SimTarget[];
}

export function makeRouter(name: PolicyName, origins: ReadonlyMap<string, SimOrigin>, random: Random, prefs: RoutingPreferences = DEFAULT_PREFERENCES): Router {
  const plain = (c: Candidate): SimTarget => ({ origin: origins.get(c.origin.id)!, hedgeAfterMs: null });
  switch (name) {
    case "meridian-nohedge":
      return { ...makeRouter("meridian", origins, random, { ...prefs, hedge: false }), name };
    case "meridian-cost":
      return { ...makeRouter("meridian", origins, random, { ...prefs, policy: { kind: "cost" } }), name };
    case "meridian":
    case "latency-only": {
      const latest = name === "meridian";
      return {
        name,
        hedging: prefs.hedge,
        route(req, pop) {
          // The router cannot see the output length: uncapped requests count as DEFAULT_OUTPUT_TOKENS.
          // Unlike workload(), the input is the request's true token count: the simulation has no body to measure.
          const work = workloadOf(req, latest);
          const p = latest ? { ...defaultPreferencesFor(req), policy: prefs.policy, hedge: prefs.hedge } : LATENCY_ONLY_PREFERENCES;
          // As worker/pipeline/route.ts plans: no longer than the attempts allowed (the cost objective's last one differs).
          const route = plan(pop.candidates, pop.region.snapshot, work, p, pop.isolate.inFlight, random, DEFAULT_EXPLORE_RATE, SETTING_DEFAULTS.maxAttempts);
          return route.ordered.map((s) => ({
            origin: origins.get(s.candidate.origin.id)!,
            hedgeAfterMs: hedgeAfter(s.estimate.p95Ms),
            tpotMs: s.estimate.tpotMs,
          }));
        },
      };
    }
    case "nearest":
      return { name, hedging: false, route: (_req, pop) => pop.candidates.map(plain) };
    case "random":
      return {
        name,
        hedging: false,
        route(_req, pop) {
          const order = pop.candidates.slice();
          for (let i = order.length - 1; i > 0; i--) {
            const j = Math.floor(random() * (i + 1));
            [order[i], order[j]] = [order[j]!, order[i]!];
          }
          return order.map(plain);
        },
      };
    case "cheapest":
      return {
        name,
        hedging: false,
        route(req, pop) {
          const out = req.cap ?? DEFAULT_OUTPUT_TOKENS;
          const price = (c: Candidate) => req.promptTokens * c.origin.price.input_per_m + out * c.origin.price.output_per_m;
          // Stable sort: equal prices stay nearest first.
          return pop.candidates
            .slice()
            .sort((a, b) => price(a) - price(b))
            .map(plain);
        },
      };
  }
}
