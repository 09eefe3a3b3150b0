// `GET /v1/models`: what the tenant may call, each with its price per 1M
// input and output tokens (the tenant's price list, else the cheapest origin's),
// plus the names its rules define: aliases and `auto` models.
import type { Context } from "hono";
import type { AppEnv } from "../app-env";
import { listPrice } from "../billing/list-price";
import { priceOf } from "../billing/pricing";
import { originSnapshot } from "../origins/snapshot";
import { servedModels } from "../routing/candidates";
import { tenantRules } from "../tenants/rules-client";

export async function listModels(c: Context<AppEnv>): Promise<Response> {
  const { tenant } = c.get("caller");
  const waitUntil = (p: Promise<unknown>) => c.executionCtx.waitUntil(p);
  const [{ origins }, { rules, version }] = await Promise.all([originSnapshot(c.env.KV, waitUntil), tenantRules(c.env, tenant.id, c.get("settings").rulesCheckMs, waitUntil)]);
  c.header("x-meridian-rules-version", String(version));
  const pricing = (model: string) => priceOf(tenant.pricing, model, listPrice(origins, null, model));
  const allowed = tenant.models ? new Set(tenant.models) : null;
  const entry = (id: string, extra: Record<string, unknown> = {}) => ({ id, object: "model", created: 0, owned_by: "meridian", ...extra });

  const served = servedModels(origins)
    .filter((id) => !allowed || allowed.has(id))
    .map((id) => entry(id, { pricing: pricing(id) }));
  const aliases = Object.entries(rules.aliases ?? {}).map(([id, alias]) =>
    entry(id, { pricing: pricing(alias.targets[0]!.model), meridian: { type: "alias", strategy: alias.strategy, targets: alias.targets.map((t) => t.model) } }),
  );
  const autos = Object.entries(rules.auto ?? {}).map(([id, spec]) =>
    // Its price is whichever model it picks: each candidate's is listed.
    entry(id, { pricing: null, meridian: { type: "auto", floor: spec.floor, models: spec.models.map((m) => ({ id: m.model, pricing: pricing(m.model) })) } }),
  );
  return c.json({ object: "list", data: [...autos, ...aliases, ...served] });
}
