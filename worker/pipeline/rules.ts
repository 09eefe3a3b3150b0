// Rules: the tenant's rules, one version for the whole request; the route,
// alias or `auto` model they lead to (a model they do not name must be on the
// tenant's list); how the request is to be routed; and the origin list every
// later stage prices and routes on.
import { decideAuto } from "../auto/route-auto";
import { originSnapshot } from "../origins/snapshot";
import { resolve } from "../rules/resolve";
import { retryLimits, tenantPreferences } from "../rules/preferences";
import { routingPreferences } from "../routing/policy";
import { tenantRules } from "../tenants/rules-client";
import { regionStats, type RequestFacts } from "./facts";
import { modelNotFound } from "./model-not-found";

export async function applyRules(facts: RequestFacts): Promise<void> {
  const { env, tenant, body, headers, waitUntil } = facts;
  const current = await tenantRules(env, tenant.id, facts.settings.rulesCheckMs, waitUntil);
  facts.rulesVersion = current.version;
  const rules = (facts.rules = current.rules);
  const resolution = resolve(rules, { model: body.model, headers, metadata: body.metadata, user: body.user, keyId: facts.caller.keyId });
  // Names the tenant's own rules define are always allowed; others must be on its model list.
  if (tenant.models && !resolution.byRule && !tenant.models.includes(body.model)) throw modelNotFound(body.model);
  const prefs = (facts.prefs = routingPreferences(headers, facts.steering, tenantPreferences(rules, resolution.policy), facts.provider));
  facts.limits = retryLimits(rules, facts.settings);
  facts.origins = (await originSnapshot(env.KV, waitUntil)).origins;
  facts.targets = resolution.targets;
  facts.trail = resolution.trail;
  if (!resolution.auto || !resolution.autoSpec) return;

  const auto = await decideAuto(resolution.autoSpec, {
    env,
    tenant,
    body,
    work: facts.workload,
    prefs,
    origins: facts.origins,
    location: facts.location,
    stats: regionStats(facts),
    floorHeader: headers.get("x-meridian-quality-floor"),
    waitUntil,
  });
  facts.promptClass = auto.promptClass;
  facts.escalation = auto.escalation;
  facts.targets = [auto.choice.model, ...auto.choice.fallbacks].map((model) => ({ model, origins: null }));
  facts.trail = [...resolution.trail, `auto ${resolution.auto}`, `class ${auto.promptClass}`, auto.choice.reason];
}
