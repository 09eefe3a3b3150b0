import type { Context } from "hono";
import type * as z from "zod/mini";
import type { AppEnv } from "../app-env";
import { withCache } from "../cache/stage";
import { readJson } from "../http/body";
import { routingPreferences } from "../routing/policy";
import type { ForwardableRequest } from "../schemas/openai";
import { parseOrThrow } from "../schemas/validate";
import { settings } from "../settings";
import { modelNotFound } from "./model-not-found";
import { routeAndForward } from "./route-and-forward";

export interface Endpoint {
  /** Path below an origin's base URL. */
  path: string;
  schema: z.ZodMiniType<ForwardableRequest>;
  /** Whether this endpoint's SSE streams end with `data: [DONE]`. */
  expectDone: boolean;
  /** Whether answers may be cached (deterministic text generation). */
  cacheable: boolean;
}

/** The request path: validate, check the tenant may use the model, answer from the cache or an origin. */
export async function proxy(c: Context<AppEnv>, endpoint: Endpoint): Promise<Response> {
  const received = Date.now();
  const { json, bytes } = await readJson(c.req.raw, settings(c.env).maxBodyBytes);
  // `meridian` steers the router and is not the origin's business.
  const { meridian: steering, ...body } = parseOrThrow(endpoint.schema, json);
  const prefs = routingPreferences(c.req.raw.headers, steering);
  const { tenant } = c.get("caller");
  if (tenant.models && !tenant.models.includes(body.model)) throw modelNotFound(body.model);

  const send = (signal?: AbortSignal) =>
    routeAndForward(c, { path: endpoint.path, expectDone: endpoint.expectDone, body, bytes, prefs, received, ...(signal ? { signal } : {}) });
  return endpoint.cacheable ? withCache(c, endpoint.path, body, send) : send();
}
