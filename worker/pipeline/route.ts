// Route: for each target model in turn, the origins that serve it (and are
// in the target's origin set), ranked by distance and planned on the
// region's statistics by the request's policy and constraints. A model no
// origin serves is a 404, like one that does not exist; one no origin can
// take right now is a 503.
import { ApiError } from "../http/errors";
import { hasOwn } from "../own";
import { rankCandidates } from "../routing/candidates";
import { plan, type Excluded, type Scored } from "../routing/choose";
import { inFlight } from "../isolate/in-flight";
import { regionStats, type RequestFacts } from "./facts";
import { inRegion } from "./headers";
import { modelNotFound } from "./model-not-found";

/** The origins to try, in order, and why. */
export interface Route {
  ordered: Scored[];
  excluded: Excluded[];
  /** The plan's reason for its first choice, for `x-meridian-route`. */
  reason: string;
  /** When planning ended (Server-Timing's `route`). */
  routed: number;
}

export function route(facts: RequestFacts): Route {
  const { origins, location, targets, body } = facts;
  const stats = regionStats(facts);
  // Each target model is planned on its own; its fallbacks come after it.
  const ordered: Scored[] = [];
  const excluded: Excluded[] = [];
  let reason = "";
  let served = 0;
  for (const t of targets) {
    const ranked = rankCandidates(origins, t.model, location);
    // The shared ranking as is when the target allows every origin (plan() keeps its per-snapshot work per list).
    const candidates = t.origins ? ranked.filter((cand) => t.origins!.has(cand.origin.id)) : ranked;
    served += candidates.length;
    if (candidates.length === 0) continue;
    // Only the first max_attempts of each plan are ever tried (upstream/retry.ts): the rest are not built.
    const route = plan(candidates, stats, facts.workload, facts.prefs, inFlight.get, Math.random, facts.settings.exploreRate, facts.limits.maxAttempts);
    if (!reason && route.ordered.length) reason = route.reason;
    ordered.push(...route.ordered);
    excluded.push(...route.excluded);
  }
  if (served === 0) {
    if (!targets.some((t) => origins.some((o) => hasOwn(o.models, t.model)))) throw modelNotFound(body.model);
    throw noOrigin(`No origin is taking traffic for model '${body.model}' right now.`, location.region);
  }
  if (ordered.length === 0) {
    const why = excluded.map((e) => `${e.origin}: ${e.reason}`).join("; ");
    throw noOrigin(`No origin for model '${body.model}' meets this request's constraints (${why}).`, location.region);
  }
  return { ordered, excluded, reason, routed: Date.now() };
}

const noOrigin = (message: string, region: string) => inRegion(new ApiError(503, message, "upstream_error", "no_origin_available"), region);
