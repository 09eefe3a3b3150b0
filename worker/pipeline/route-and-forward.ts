import type { Context } from "hono";
import type { AppEnv } from "../app-env";
import { ApiError } from "../http/errors";
import { headerValue } from "../http/header-value";
import { originSnapshot } from "../origins/snapshot";
import { hasOwn } from "../own";
import { rankCandidates } from "../routing/candidates";
import { plan, type Excluded, type Scored } from "../routing/choose";
import { popLocation, type CfLocation } from "../routing/location";
import { describePolicy, type RoutingPreferences } from "../routing/policy";
import { workload } from "../routing/workload";
import type { RelayMeter } from "../metering/relay-meter";
import type { RetryLimits } from "../rules/preferences";
import type { ResolvedTarget } from "../rules/resolve";
import type { ForwardableRequest } from "../schemas/openai";
import { settings } from "../settings";
import { inFlight } from "../isolate/in-flight";
import { observe, regionSnapshot } from "../objects/region-stats-client";
import type { Target } from "../upstream/attempt";
import { hedgeAfter } from "../upstream/hedge";
import { tenantCacheSalt } from "../upstream/request-body";
import { forward } from "../upstream/retry";
import { hedgeBudget } from "../upstream/hedge-budget";
import { modelNotFound } from "./model-not-found";
import { withoutOriginState } from "./responses-state";

/** Endpoints whose origins (vLLM) take a `cache_salt` for their prefix cache. */
const SALTED_PATHS = new Set(["/chat/completions", "/completions"]);

export interface OriginCall {
  path: string;
  expectDone: boolean;
  body: ForwardableRequest;
  /** Size of the client's body, for the input token guess. */
  bytes: number;
  /** Models (and origin sets) to try in order, from the tenant's rules. */
  targets: readonly ResolvedTarget[];
  /** How the rules got there, for `x-meridian-route`. */
  trail: readonly string[];
  prefs: RoutingPreferences;
  limits: RetryLimits;
  received: number;
  signal?: AbortSignal;
  /** Meter a stream in the relay (it goes straight to its client). */
  relayMeter?: RelayMeter;
}

/** Routes a validated request to an origin and returns its (possibly streaming) answer, headers set. */
export async function routeAndForward(c: Context<AppEnv>, call: OriginCall): Promise<Response> {
  const { prefs, limits } = call;
  const body = call.path === "/responses" ? withoutOriginState(call.body) : call.body;
  const config = settings(c.env);
  const waitUntil = (p: Promise<unknown>) => c.executionCtx.waitUntil(p);
  const headers = c.req.raw.headers;
  const origins = await originSnapshot(c.env.KV, waitUntil);
  const location = popLocation(c.req.raw.cf as CfLocation | undefined, headers, config.devMode);
  const stream = body.stream === true;
  const stats = regionSnapshot(c.env, location.region, waitUntil);
  const load = workload(body, call.bytes, stream);

  // Each target model is planned on its own; its fallbacks come after it.
  const ordered: Scored[] = [];
  const excluded: Excluded[] = [];
  let reason = "";
  let served = 0;
  for (const t of call.targets) {
    const candidates = rankCandidates(origins.origins, t.model, location).filter((cand) => !t.origins || t.origins.has(cand.origin.id));
    served += candidates.length;
    if (candidates.length === 0) continue;
    const route = plan(candidates, stats, load, prefs, inFlight.get, Math.random, config.exploreRate);
    if (!reason && route.ordered.length) reason = route.reason;
    ordered.push(...route.ordered);
    excluded.push(...route.excluded);
  }
  if (served === 0) {
    if (!call.targets.some((t) => origins.origins.some((o) => hasOwn(o.models, t.model)))) throw modelNotFound(body.model);
    throw noOrigin(`No origin is taking traffic for model '${body.model}' right now.`, location.region);
  }
  if (ordered.length === 0) {
    const why = excluded.map((e) => `${e.origin}: ${e.reason}`).join("; ");
    throw noOrigin(`No origin for model '${body.model}' meets this request's constraints (${why}).`, location.region);
  }
  const routed = Date.now();

  const budget = hedgeBudget(c.get("caller").tenant.id, limits.hedgeBudget);
  budget.earn();
  const timeouts = requestLimits(headers, limits);
  // Origins are shared: they hear our id, never the client's `x-request-id` (vLLM takes it as its own
  // request id, so one tenant's id could collide with, or abort, another's request).
  const upstreamRequestId = crypto.randomUUID();
  const result = await forward({
    targets: ordered.map(target),
    path: call.path,
    // Streams are metered from their final usage, which chat and completions streams carry only when asked.
    body: stream && call.expectDone ? askForUsage(body) : body,
    stream,
    expectDone: call.expectDone,
    requestId: upstreamRequestId,
    cacheSalt: SALTED_PATHS.has(call.path) ? await tenantCacheSalt(c.get("caller").tenant.id) : null,
    maxAttempts: limits.maxAttempts,
    ttftTimeoutMs: timeouts.ttftTimeoutMs,
    attemptTimeoutMs: timeouts.attemptTimeoutMs,
    healthLimits: { ttftTimeoutMs: config.ttftTimeoutMs, attemptTimeoutMs: config.attemptTimeoutMs },
    deadline: call.received + config.totalTimeoutMs,
    mayHedge: () => prefs.hedge && budget.take(),
    observe: (obs) => observe(c.env, location.region, obs, waitUntil),
    waitUntil,
    ...(call.signal ? { signal: call.signal } : {}),
    ...(stream && call.relayMeter ? { onStreamEnd: call.relayMeter.end, stripUsage: call.relayMeter.stripUsage } : {}),
  }).catch((err: unknown) => {
    if (err instanceof ApiError) err.headers["x-meridian-region"] = headerValue(location.region);
    throw err;
  });

  if (stream) call.relayMeter?.attach(result.response);
  const out = result.response.headers;
  const chosen = result.target.candidate;
  // Names chosen by operators, tenants and clients are reflected through headerValue: never a throw after the origin answered.
  out.set("x-meridian-origin", headerValue(chosen.origin.id));
  out.set("x-meridian-model", headerValue(chosen.model));
  out.set("x-meridian-region", headerValue(location.region));
  out.set("x-meridian-attempts", String(result.attempts.length));
  const trail = call.trail.length ? `${call.trail.join(" -> ")}; ` : "";
  out.set("x-meridian-route", headerValue(`${trail}${describePolicy(prefs.policy)}; ${reason}${excluded.length ? `; ${excluded.length} excluded` : ""}`));
  out.set("x-meridian-upstream-request-id", upstreamRequestId);
  if (result.hedged) out.set("x-meridian-hedged", "1");
  // The origin's TTFT is no more than a streaming client measures itself, so hiding it would not close the
  // prefix-cache timing channel between tenants; per-tenant `cache_salt` (origins that take one) does.
  out.set("server-timing", `route;dur=${routed - call.received}, origin;dur=${result.ttftMs};desc="ttft"`);
  return result.response;
}

function target(s: Scored): Target {
  const e = s.estimate;
  return {
    candidate: s.candidate,
    hedgeAfterMs: hedgeAfter(e.p95Ms),
    tpotMs: e.source === "prior" ? null : e.tpotMs,
  };
}

/** The body with `stream_options.include_usage` set; the client's own choice is honoured on the way back out. */
function askForUsage(body: ForwardableRequest): ForwardableRequest {
  const options = (body.stream_options ?? {}) as Record<string, unknown>;
  return { ...body, stream_options: { ...options, include_usage: true } };
}

const noOrigin = (message: string, region: string) =>
  new ApiError(503, message, "upstream_error", "no_origin_available", {}, { "x-meridian-region": headerValue(region) });

/** Clients may tighten, never loosen, the tenant's timeouts. */
function requestLimits(headers: Headers, config: { ttftTimeoutMs: number; attemptTimeoutMs: number }) {
  return {
    ttftTimeoutMs: tighter(headers.get("x-meridian-ttft-timeout-ms"), config.ttftTimeoutMs),
    attemptTimeoutMs: tighter(headers.get("x-meridian-timeout-ms"), config.attemptTimeoutMs),
  };
}

function tighter(value: string | null, limit: number): number {
  const n = Number(value);
  return value && Number.isFinite(n) && n > 0 ? Math.min(n, limit) : limit;
}
