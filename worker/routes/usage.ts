// Usage read-outs: `GET /v1/usage` for a tenant's own key, and the same
// report for operators under `/admin/v1/tenants/:id/usage`.
import type { Context } from "hono";
import type { AppEnv } from "../app-env";
import { usageRange } from "../billing/calendar";
import { notFound } from "../http/errors";
import { usageQuery } from "../schemas/billing";
import { parseOrThrow } from "../schemas/validate";
import { admitCall } from "../tenants/call-admission";
import { tenantObject } from "../objects/stubs";

/** Usage by UTC day and model (`?from=&to=` inclusive, default this month; `?model=`, `?key_id=`), with totals and the account. */
export async function usageResponse(c: Context<AppEnv>, tenantId: string): Promise<Response> {
  const query = parseOrThrow(usageQuery, c.req.query(), "query");
  const range = usageRange(query, Date.now());
  const report = await tenantObject(c.env, tenantId).usage({ ...range, model: query.model, key_id: query.key_id });
  if (!report) throw notFound(`No tenant '${tenantId}'.`, "tenant_not_found");
  return c.json({ object: "usage", tenant_id: tenantId, ...report });
}

/** `GET /v1/usage`: the calling tenant's own usage, within the key's limit on read-outs. */
export async function ownUsage(c: Context<AppEnv>): Promise<Response> {
  await admitCall(c.env, c.get("caller"), "usage");
  return usageResponse(c, c.get("caller").tenant.id);
}
