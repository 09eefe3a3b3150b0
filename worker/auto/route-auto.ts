// `model: "auto"` on the request path: classify the prompt (one wasm pass,
// shared with the semantic cache), weigh the tenant's candidate models by
// price, expected latency from this region and what feedback says of their
// quality for this class, and choose. The choice becomes ordinary routing
// targets: the chosen model first, the others as fallbacks.
import { listPrice } from "../billing/list-price";
import { priceOf } from "../billing/pricing";
import { fingerprint } from "../cache/embedder";
import { badRequest } from "../http/errors";
import { own } from "../own";
import { rankCandidates } from "../routing/candidates";
import { plan } from "../routing/choose";
import type { Workload } from "../routing/estimate";
import type { PopLocation } from "../routing/location";
import type { RoutingPreferences } from "../routing/policy";
import type { Origin, TenantRecord } from "../schemas/admin";
import type { RuleAuto } from "../schemas/rules";
import type { RegionSnapshot } from "../stats/region-snapshot";
import { inFlight } from "../isolate/in-flight";
import { posterior } from "./bandit";
import { compileCentroids, DEFAULT_CENTROIDS, type CentroidSet } from "./centroids";
import { classify } from "./classify";
import { chooseModel } from "./choose-model";
import { difficultyShift, shiftedQuality } from "./difficulty";
import { DEFAULT_DIFFICULTY } from "./difficulty-model";
import { DEFAULT_ESCALATION, type EscalationRule } from "./escalate";
import { posteriorMean } from "./bandit";
import { promptFeatures } from "./features";
import { promptText, requestShape } from "./prompt";
import { priorQuality } from "./prior";
import { qualityEvidence } from "./quality-client";
import type { ModelChoice, ModelOption } from "./types";
import type { PromptClass } from "../vocabulary/prompt-classes";

export interface AutoDecision {
  promptClass: PromptClass;
  choice: ModelChoice;
  floor: number;
  /** How much easier (> 0) or harder than its class the prompt is, in log-odds (0: the difficulty model is off). */
  shift: number;
  /** Where a poor non-streamed answer is retried, and by which rule; null: no escalation. */
  escalation: { to: string; rule: EscalationRule } | null;
}

/** What the choice reads of one request, computed once by the request path. */
export interface AutoRequest {
  env: Env;
  tenant: TenantRecord;
  body: Record<string, unknown>;
  work: Workload;
  prefs: RoutingPreferences;
  origins: readonly Origin[];
  location: PopLocation;
  /** The region's statistics snapshot (null: none yet). */
  stats: RegionSnapshot | null;
  /** The `x-meridian-quality-floor` header, if sent. */
  floorHeader: string | null;
  waitUntil: (p: Promise<unknown>) => void;
}

/** Chooses the model for one request to an auto name. */
export async function decideAuto(spec: RuleAuto, req: AutoRequest): Promise<AutoDecision> {
  const { tenant, body, work, prefs, origins, location, stats } = req;
  const floor = requestFloor(req.floorHeader ?? undefined, spec.floor);

  const features = promptFeatures(fingerprint(promptText(body)), requestShape(body));
  const promptClass = classify(features, centroidsOf(spec)).class;
  const shift = spec.difficulty === false ? 0 : difficultyShift(features, promptClass, DEFAULT_DIFFICULTY);
  const evidence = await qualityEvidence(req.env, tenant.id, req.waitUntil);

  const options: ModelOption[] = spec.models.map(({ model, quality }) => {
    const price = priceOf(tenant.pricing, model, listPrice(origins, null, model));
    const route = plan(rankCandidates(origins, model, location), stats, work, prefs, inFlight.get, () => 0.5, 0);
    const [good, bad] = own(own(evidence, model), promptClass) ?? [0, 0];
    const { alpha, beta } = posterior(shiftedQuality(priorQuality(quality, promptClass), shift), spec.prior_strength, good, bad);
    return { model, pricePerM: price ? blended(price, work) : Infinity, ttftMs: route.ordered[0]?.estimate.ttftMs ?? null, alpha, beta };
  });
  const choice = chooseModel(options, floor, spec.max_ttft_ms ?? null, prefs.constraints.maxPricePerM ?? null, Math.random);
  return { promptClass, choice, floor, shift, escalation: body.stream === true ? null : escalationOf(spec, options, choice) };
}

/** The rule of the tenant's `escalate` (default: on, no log-probability cut). */
export function escalationRule(spec: RuleAuto): EscalationRule {
  const e = spec.escalate;
  return e ? { on: e.on, minMeanLogprob: e.min_mean_logprob ?? null } : DEFAULT_ESCALATION;
}

/** A cheap choice escalates to the best fallback, when that one is expected to be better. */
function escalationOf(spec: RuleAuto, options: readonly ModelOption[], choice: ModelChoice): AutoDecision["escalation"] {
  const rule = escalationRule(spec);
  const to = choice.fallbacks[0];
  if (!rule.on || to === undefined) return null;
  const mean = (model: string) => {
    const o = options.find((x) => x.model === model)!;
    return posteriorMean(o.alpha, o.beta);
  };
  return mean(to) > mean(choice.model) ? { to, rule } : null;
}

/** Compiled once per rules version: the rules object an isolate holds is immutable. */
const compiled = new WeakMap<object, CentroidSet>();

function centroidsOf(spec: RuleAuto): CentroidSet {
  if (!spec.centroids) return DEFAULT_CENTROIDS;
  let set = compiled.get(spec.centroids);
  if (!set) compiled.set(spec.centroids, (set = compileCentroids(spec.centroids)));
  return set;
}

/** USD per 1M tokens over this request's expected input and output. */
function blended(price: { input_per_m: number; output_per_m: number }, work: Workload): number {
  const total = work.inputTokens + work.outputTokens;
  return total === 0 ? price.input_per_m : (price.input_per_m * work.inputTokens + price.output_per_m * work.outputTokens) / total;
}

/** `x-meridian-quality-floor` pins this request's floor (0..1); otherwise the tenant's. */
function requestFloor(header: string | undefined, fallback: number): number {
  if (header === undefined || header.trim() === "") return fallback;
  const n = Number(header);
  if (!Number.isFinite(n) || n < 0 || n > 1) throw badRequest(`Header x-meridian-quality-floor must be a number from 0 to 1, got '${header.slice(0, 40)}'.`, "invalid_header", "x-meridian-quality-floor");
  return n;
}
