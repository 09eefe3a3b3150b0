import type { Context } from "hono";
import type { AppEnv } from "../app-env";
import { readJsonBody } from "../http/body";
import { ApiError, notFound } from "../http/errors";
import { originSnapshot } from "../origins/snapshot";
import { rankCandidates } from "../routing/candidates";
import { popLocation, type CfLocation } from "../routing/location";
import type { ForwardableRequest } from "../schemas/openai";
import { parseOrThrow } from "../schemas/validate";
import { settings } from "../settings";
import type * as z from "zod/mini";
import { forward } from "./forward";

export interface Endpoint {
  /** Path below an origin's base URL. */
  path: string;
  schema: z.ZodMiniType<ForwardableRequest>;
  /** Whether this endpoint's SSE streams end with `data: [DONE]`. */
  expectDone: boolean;
}

/** The request path: validate, check the tenant may use the model, route, forward. */
export async function proxy(c: Context<AppEnv>, endpoint: Endpoint): Promise<Response> {
  const received = Date.now();
  const config = settings(c.env);
  const body = parseOrThrow(endpoint.schema, await readJsonBody(c.req.raw, config.maxBodyBytes));
  const { tenant } = c.get("caller");

  if (tenant.models && !tenant.models.includes(body.model)) throw modelNotFound(body.model);
  const snapshot = await originSnapshot(c.env.KV, (p) => c.executionCtx.waitUntil(p));
  const location = popLocation(c.req.raw.cf as CfLocation | undefined, c.req.raw.headers, config.devMode);
  const candidates = rankCandidates(snapshot.origins, body.model, location);
  if (candidates.length === 0) {
    const known = snapshot.origins.some((o) => body.model in o.models);
    if (!known) throw modelNotFound(body.model);
    throw new ApiError(503, `No origin is taking traffic for model '${body.model}' right now.`, "upstream_error", "no_origin_available");
  }

  const routed = Date.now();
  const stream = body.stream === true;
  const limits = requestLimits(c.req.raw.headers, config);
  const result = await forward({
    candidates,
    path: endpoint.path,
    body,
    stream,
    expectDone: endpoint.expectDone,
    requestId: c.get("requestId"),
    maxAttempts: config.maxAttempts,
    ttftTimeoutMs: limits.ttftTimeoutMs,
    attemptTimeoutMs: limits.attemptTimeoutMs,
    deadline: received + config.totalTimeoutMs,
  }).catch((err: unknown) => {
    if (err instanceof ApiError) err.headers["x-meridian-region"] = location.region;
    throw err;
  });

  const headers = result.response.headers;
  headers.set("x-meridian-origin", result.candidate.origin.id);
  headers.set("x-meridian-region", location.region);
  headers.set("x-meridian-attempts", String(result.attempts.length));
  headers.set("server-timing", `route;dur=${routed - received}, origin;dur=${result.ttftMs};desc="ttft"`);
  return result.response;
}

const modelNotFound = (model: string) =>
  notFound(`The model '${model}' does not exist or you do not have access to it.`, "model_not_found");

/** Clients may tighten, never loosen, the configured timeouts. */
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
