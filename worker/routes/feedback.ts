// `POST /v1/feedback`: a tenant rates one of its own answers. The rating is
// kept by the tenant's object and credited to the (model, class) that `auto`
// chose for that request, whenever both have arrived.
import type { Context } from "hono";
import type { AppEnv } from "../app-env";
import { staleEvidence } from "../auto/quality-client";
import { evictRatedHit } from "../cache/rated-hit";
import { readJsonBody } from "../http/body";
import { ApiError, notFound } from "../http/errors";
import { feedbackInput, ratingValue } from "../schemas/feedback";
import { parseOrThrow } from "../schemas/validate";
import { admitCall } from "../tenants/call-admission";
import { tenantObject } from "../objects/stubs";
import { refundOnFeedback } from "../billing/feedback-refund";

export async function postFeedback(c: Context<AppEnv>): Promise<Response> {
  await admitCall(c.env, c.get("caller"), "feedback");
  const { request_id, rating } = parseOrThrow(feedbackInput, await readJsonBody(c.req.raw, c.get("settings").maxBodyBytes));
  const tenantId = c.get("caller").tenant.id;
  const value = ratingValue(rating);
  const result = await tenantObject(c.env, tenantId).feedback(request_id, value);
  if (result === null) throw notFound(`No tenant '${tenantId}'.`, "tenant_not_found");
  if (result === "duplicate") throw new ApiError(409, `Request '${request_id}' was already rated.`, "invalid_request_error", "already_rated");
  staleEvidence(tenantId);
  // Independent of each other, so sent together: a thumbs-down of a cached answer evicts its entry
  // and counts as a wrong hit (worker/cache/rated-hit.ts); it may also refund the call, as the
  // tenant's price list says (worker/billing/feedback-refund.ts).
  const [cacheEvicted, refund] = await Promise.all([
    evictRatedHit(c.env, tenantId, request_id, value),
    refundOnFeedback(c.env, c.get("caller").tenant, request_id, value),
  ]);
  // `pending`: the request's outcome has not reached the object yet (or it was not routed by auto); it counts when it does.
  return c.json({ object: "feedback", request_id, rating: value, status: result, cache_evicted: cacheEvicted, ...(refund ? { refund } : {}) }, result === "applied" ? 200 : 202);
}
