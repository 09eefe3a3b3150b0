import type { Context } from "hono";
import type * as z from "zod/mini";
import type { AppEnv } from "../app-env";
import { decideAuto } from "../auto/route-auto";
import { releaseFundsHold } from "../billing/gate";
import { withCache } from "../cache/stage";
import { readJson } from "../http/body";
import { headerValue } from "../http/header-value";
import { settleRequestTokens } from "../limits/rate-limit";
import { asksForUsage, metered } from "../metering/meter";
import { RelayMeter } from "../metering/relay-meter";
import { tenantPreferences, retryLimits } from "../rules/preferences";
import { resolve } from "../rules/resolve";
import { routingPreferences } from "../routing/policy";
import { outputCap, workload } from "../routing/workload";
import type { ForwardableRequest } from "../schemas/openai";
import { parseOrThrow } from "../schemas/validate";
import { settings } from "../settings";
import { tenantRules } from "../tenants/rules-client";
import { admit } from "../tenants/admission";
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
  /** False when answers generate no tokens (embeddings): funds are then held for the input only. */
  generates?: boolean;
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
  let { targets, trail } = resolution;
  let promptClass: string | null = null;
  if (resolution.auto && resolution.autoSpec) {
    const auto = await decideAuto(c, resolution.autoSpec, body, workload(body, bytes, body.stream === true), prefs);
    promptClass = auto.promptClass;
    targets = [auto.choice.model, ...auto.choice.fallbacks].map((model) => ({ model, origins: null }));
    trail = [...trail, `auto ${resolution.auto}`, `class ${auto.promptClass}`, auto.choice.reason];
  }
  await admit(c, { model: targets[0]!.model, models: targets.map((t) => t.model), body, generates: endpoint.generates !== false, inputTokens: Math.ceil(bytes / 4), outputTokens: outputCap(body) });

  // An answer that goes straight to its client is metered by the relay that already reads it.
  const relayMeter = new RelayMeter(!asksForUsage(body));
  const send = ({ signal, direct }: { signal?: AbortSignal; direct: boolean }) =>
    routeAndForward(c, {
      path: endpoint.path,
      expectDone: endpoint.expectDone,
      body,
      bytes,
      targets,
      trail,
      prefs,
      limits: retryLimits(rules.rules, config),
      received,
      ...(signal ? { signal } : {}),
      ...(direct ? { relayMeter } : {}),
    });
  const answer = await (endpoint.cacheable ? withCache(c, rules.rules.cache, endpoint.path, body, targets[0]!.model, send) : send({ direct: true })).catch((err: unknown) => {
    settleRequestTokens(c, 0); // no answer: its tpm estimate goes back
    releaseFundsHold(c); // and its funds hold
    throw err;
  });
  // The class tells metering where feedback on this answer belongs.
  if (promptClass) answer.headers.set("x-meridian-class", headerValue(promptClass));
  return metered(c, answer, { body, model: targets[0]!.model, relayMeter });
}
