import type { Context } from "hono";
import type * as z from "zod/mini";
import type { AppEnv } from "../app-env";
import { withCache } from "../cache/stage";
import { readJson } from "../http/body";
import { settleRequestTokens } from "../limits/rate-limit";
import { metered } from "../metering/meter";
import { tenantPreferences, retryLimits } from "../rules/preferences";
import { resolve } from "../rules/resolve";
import { routingPreferences } from "../routing/policy";
import type { ForwardableRequest } from "../schemas/openai";
import { parseOrThrow } from "../schemas/validate";
import { settings } from "../settings";
import { tenantRules } from "../tenants/rules-client";
import { admit } from "../tenants/admission";
import { modelNotFound } from "./model-not-found";
import { outputCap, routeAndForward } from "./route-and-forward";

export interface Endpoint {
  /** Path below an origin's base URL. */
  path: string;
  schema: z.ZodMiniType<ForwardableRequest>;
  /** Whether this endpoint's SSE streams end with `data: [DONE]`. */
  expectDone: boolean;
  /** Whether answers may be cached (deterministic text generation). */
  cacheable: boolean;
}

/**
 * The request path: validate, apply the tenant's rules (one version for the
 * whole request), check the tenant may use the model, answer from the cache
 * or an origin, meter the answer.
 */
export async function proxy(c: Context<AppEnv>, endpoint: Endpoint): Promise<Response> {
  const received = Date.now();
  const config = settings(c.env);
  const { json, bytes } = await readJson(c.req.raw, config.maxBodyBytes);
  // `meridian` steers the router and is not the origin's business.
  const { meridian: steering, ...body } = parseOrThrow(endpoint.schema, json);
  const { tenant, keyId } = c.get("caller");
  const headers = c.req.raw.headers;

  const rules = await tenantRules(c.env, tenant.id, (p) => c.executionCtx.waitUntil(p));
  c.set("rulesVersion", rules.version);
  const resolution = resolve(rules.rules, { model: body.model, headers, metadata: body.metadata, user: body.user, keyId });
  // Names the tenant's own rules define are always allowed; others must be on its model list.
  if (tenant.models && !resolution.byRule && !tenant.models.includes(body.model)) throw modelNotFound(body.model);
  const prefs = routingPreferences(headers, steering, tenantPreferences(rules.rules, resolution.policy));
  await admit(c, { model: resolution.targets[0]!.model, inputTokens: Math.ceil(bytes / 4), outputTokens: outputCap(body) });

  const send = (signal?: AbortSignal) =>
    routeAndForward(c, {
      path: endpoint.path,
      expectDone: endpoint.expectDone,
      body,
      bytes,
      targets: resolution.targets,
      trail: resolution.trail,
      prefs,
      limits: retryLimits(rules.rules, config),
      received,
      ...(signal ? { signal } : {}),
    });
  const answer = await (endpoint.cacheable ? withCache(c, rules.rules.cache, endpoint.path, body, send) : send()).catch((err: unknown) => {
    settleRequestTokens(c, 0); // no answer: its tpm estimate goes back
    throw err;
  });
  return metered(c, answer, { body, model: resolution.targets[0]!.model });
}
