// Forward: the planned origins are tried through worker/upstream (retries,
// hedges, the relay) with the request built for them, and what happened is
// recorded in the outcome. An error names the region it happened in.
import { ApiError } from "../http/errors";
import { answerCheckPlan } from "../metering/answer-check";
import { asksForUsage, RelayMeter } from "../metering/relay-meter";
import { observe } from "../objects/region-stats-client";
import { describePolicy } from "../routing/policy";
import type { Scored } from "../routing/choose";
import type { ForwardableRequest } from "../schemas/openai";
import type { Target } from "../upstream/attempt";
import { hedgeAfter } from "../upstream/hedge";
import { hedgeBudget } from "../upstream/hedge-budget";
import { tenantCacheSalt } from "../upstream/request-body";
import { forward, type Forwarded } from "../upstream/retry";
import type { RequestFacts } from "./facts";
import { inRegion } from "./headers";
import type { Outcome } from "./outcome";
import { withoutOriginState } from "./responses-state";
import type { Route } from "./route";

/** Endpoints whose origins (vLLM) take a `cache_salt` for their prefix cache. */
const SALTED_PATHS = new Set(["/chat/completions", "/completions"]);

/** The body as origins get it; a Responses API request that asks for state kept on the origin is a 400. */
export function originBody(facts: RequestFacts): ForwardableRequest {
  const body = facts.path === "/responses" ? withoutOriginState(facts.body) : facts.body;
  // Streams are metered from their final usage, which chat and completions streams carry only when asked.
  return facts.stream && facts.endpoint.expectDone ? askForUsage(body) : body;
}

/**
 * Calls the origins on `route`. `signal` abandons the call (a cache hit won the
 * race); `direct`: the answer goes straight to this client, so a stream is
 * metered by the relay that already reads it.
 */
export async function forwardRequest(facts: RequestFacts, body: ForwardableRequest, route: Route, signal: AbortSignal | undefined, direct: boolean): Promise<Outcome> {
  const { env, tenant, settings: config, limits, prefs, stream, waitUntil } = facts;
  const region = facts.location.region;
  const budget = hedgeBudget(tenant.id, limits.hedgeBudget);
  budget.earn();
  const timeouts = requestLimits(facts.headers, limits);
  // Origins are shared: they hear our id, never the client's `x-request-id` (vLLM takes it as its own
  // request id, so one tenant's id could collide with, or abort, another's request).
  const upstreamRequestId = crypto.randomUUID();
  // A stream whose answer the price list's outcome rules check goes through the tap (relay.ts), which sees its content.
  const relayMeter = direct && stream && !answerCheckPlan(tenant, facts.body) ? new RelayMeter(!asksForUsage(facts.body)) : null;
  let result: Forwarded;
  try {
    result = await forward({
      targets: route.ordered.map(target),
      path: facts.path,
      body,
      stream,
      expectDone: facts.endpoint.expectDone,
      requestId: upstreamRequestId,
      cacheSalt: SALTED_PATHS.has(facts.path) ? await tenantCacheSalt(tenant.id) : null,
      maxAttempts: limits.maxAttempts,
      ttftTimeoutMs: timeouts.ttftTimeoutMs,
      attemptTimeoutMs: timeouts.attemptTimeoutMs,
      healthLimits: { ttftTimeoutMs: config.ttftTimeoutMs, attemptTimeoutMs: config.attemptTimeoutMs },
      deadline: facts.received + config.totalTimeoutMs,
      mayHedge: () => prefs.hedge && budget.take(),
      observe: (obs) => observe(env, region, obs, config.statsFlushMs, waitUntil),
      waitUntil,
      signal,
      onStreamEnd: relayMeter?.end,
      stripUsage: relayMeter?.stripUsage,
      nativeRelay: relayMeter !== null && !relayMeter.stripUsage && boundedAnswer(body),
    });
  } catch (err) {
    if (err instanceof ApiError) inRegion(err, region);
    throw err;
  }

  relayMeter?.attach(result.response);
  const chosen = result.target.candidate;
  const trail = facts.trail.length ? `${facts.trail.join(" -> ")}; ` : "";
  return {
    response: result.response,
    model: chosen.model,
    cache: null,
    similarity: null,
    call: {
      origin: chosen.origin.id,
      region,
      attempts: result.attempts.length,
      route: `${trail}${describePolicy(prefs.policy, prefs, facts.stream)}; ${route.reason}${route.excluded.length ? `; ${route.excluded.length} excluded` : ""}`,
      upstreamRequestId,
      hedged: result.hedged,
      routeMs: route.routed - facts.received,
      ttftMs: result.ttftMs,
      usage: result.usage,
      relayMeter,
    },
  };
}

function target(s: Scored): Target {
  const e = s.estimate;
  return {
    candidate: s.candidate,
    hedgeAfterMs: hedgeAfter(e.p95Ms),
    tpotMs: e.source === "prior" ? null : e.tpotMs,
  };
}

/**
 * A native relay holds its metering copy whole until the stream ends, so it
 * is used only when the request caps the answer: at most this many output
 * tokens over all its choices (a few MB of events).
 */
export const NATIVE_RELAY_MAX_TOKENS = 16_384;

function boundedAnswer(body: ForwardableRequest): boolean {
  const cap = body.max_completion_tokens ?? body.max_tokens;
  const choices = typeof body.n === "number" ? body.n : 1;
  return typeof cap === "number" && cap * choices <= NATIVE_RELAY_MAX_TOKENS;
}

/** The body with `stream_options.include_usage` set; the client's own choice is honoured on the way back out. */
function askForUsage(body: ForwardableRequest): ForwardableRequest {
  const options = (body.stream_options ?? {}) as Record<string, unknown>;
  return { ...body, stream_options: { ...options, include_usage: true } };
}

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
