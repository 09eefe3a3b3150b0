// Every header the router adds to a /v1 answer, written here, once, at the
// end, from the request's facts, what admission took and the outcome:
// x-meridian-* (who answered, how, the rules version, the budget),
// x-ratelimit-* and Server-Timing. Names chosen by operators, tenants and
// clients are reflected through headerValue: never a throw after the origin
// answered.
import { ApiError } from "../http/errors";
import { headerValue } from "../http/header-value";
import { setRateLimitHeaders } from "../limits/headers";
import type { Admission } from "./admit";
import type { RequestFacts } from "./facts";
import type { Outcome } from "./outcome";

/** An answer's headers; `budget` is the `x-meridian-budget` value (200 answers past the alert threshold). */
export function writeAnswerHeaders(headers: Headers, facts: RequestFacts, admission: Admission, outcome: Outcome, budget: string | null): void {
  const call = outcome.call;
  if (call) {
    headers.set("x-meridian-origin", headerValue(call.origin));
    headers.set("x-meridian-region", headerValue(call.region));
    headers.set("x-meridian-attempts", String(call.attempts));
    headers.set("x-meridian-route", headerValue(call.route));
    headers.set("x-meridian-upstream-request-id", call.upstreamRequestId);
    if (call.hedged) headers.set("x-meridian-hedged", "1");
    // The origin's TTFT is no more than a streaming client measures itself, so hiding it would not close the
    // prefix-cache timing channel between tenants; per-tenant `cache_salt` (origins that take one) does.
    headers.set("server-timing", `route;dur=${call.routeMs}, origin;dur=${call.ttftMs};desc="ttft"`);
  }
  if (outcome.model !== null) headers.set("x-meridian-model", headerValue(outcome.model));
  if (outcome.cache === "coalesced") {
    headers.set("x-meridian-cache", "miss");
    headers.set("x-meridian-coalesced", "1");
  } else if (outcome.cache !== null) headers.set("x-meridian-cache", outcome.cache);
  if (outcome.similarity !== null) headers.set("x-meridian-similarity", outcome.similarity.toFixed(4));
  if (facts.promptClass) headers.set("x-meridian-class", headerValue(facts.promptClass));
  if (budget) headers.set("x-meridian-budget", budget);
  writeRequestHeaders(headers, facts, admission);
}

/** The headers every answer of an admitted request carries, an error's too. */
function writeRequestHeaders(headers: Headers, facts: RequestFacts, admission: Admission | null): void {
  if (facts.rulesVersion !== undefined) headers.set("x-meridian-rules-version", String(facts.rulesVersion));
  if (admission?.rateLimit) setRateLimitHeaders(headers, admission.rateLimit);
}

/** The response for an error, with the rules version and rate limits of the request when it got that far. */
export function errorResponse(err: ApiError, facts: RequestFacts | null, admission: Admission | null): Response {
  const response = err.toResponse();
  if (facts) writeRequestHeaders(response.headers, facts, admission);
  return response;
}

/** An error from routing or forwarding names the region it happened in (coalesced requests get it with the error). */
export function inRegion(err: ApiError, region: string): ApiError {
  err.headers["x-meridian-region"] = headerValue(region);
  return err;
}
