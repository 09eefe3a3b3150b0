import { Hono } from "hono";
import type { AppEnv } from "../../app-env";
import { adoptAccount } from "../../billing/account-client";
import { notFound } from "../../http/errors";
import { creditsAdd } from "../../schemas/billing";
import { parseOrThrow } from "../../schemas/validate";
import { usageResponse } from "../usage";
import { actor, beforeParam, body, limitParam, param } from "./shared";
import { tenantObject } from "../../objects/stubs";

/** A tenant's usage and prepaid credits. */
export const billing = new Hono<AppEnv>();

billing.get("/tenants/:id/usage", (c) => usageResponse(c, param(c.req.param("id"), "tenant id")));

billing.post("/tenants/:id/credits", async (c) => {
  const id = param(c.req.param("id"), "tenant id");
  const { amount_usd, note } = parseOrThrow(creditsAdd, await body(c));
  const added = await tenantObject(c.env, id).addCredits(actor(c), amount_usd, note ?? null);
  if (!added) throw notFound(`No tenant '${id}'.`, "tenant_not_found");
  // This isolate admits the tenant's next request on the new balance at once; others within seconds.
  adoptAccount(id, added.account);
  return c.json({ object: "credit_entry", tenant_id: id, ...added.entry, account: added.account }, 201);
});

billing.get("/tenants/:id/credits", async (c) => {
  const id = param(c.req.param("id"), "tenant id");
  const credits = await tenantObject(c.env, id).credits(limitParam(c), beforeParam(c));
  if (!credits) throw notFound(`No tenant '${id}'.`, "tenant_not_found");
  return c.json({ object: "credits", tenant_id: id, ...credits });
});
