import { Hono } from "hono";
import type { AppEnv } from "../../app-env";
import { ApiError, badRequest, notFound } from "../../http/errors";
import { rulesRollback, type RulesVersion } from "../../schemas/rules";
import { rulesDocument } from "../../rules/document";
import { parseOrThrow } from "../../schemas/validate";
import { adopt } from "../../tenants/rules-client";
import type { RulesWrite } from "../../tenants/admin-protocol";
import { actor, beforeParam, body, limitParam, param, type AdminContext } from "./shared";
import { tenantObject } from "../../objects/stubs";

/**
 * A tenant's routing rules: versioned, with history and rollback. The ETag is
 * the version; a write with `If-Match` naming an older version gets 412.
 */
export const rules = new Hono<AppEnv>();

const etag = (version: number) => `"${version}"`;

function versioned(c: AdminContext, current: RulesVersion): Response {
  c.header("etag", etag(current.version));
  return c.json({ object: "rules", ...current });
}

/** `If-Match: "3"` (or `3`, or `W/"3"`) -> 3; absent -> null (last writer wins). */
function ifMatch(c: AdminContext): number | null {
  const raw = c.req.header("if-match")?.trim();
  if (!raw || raw === "*") return null;
  const m = /^(?:W\/)?"?(\d{1,15})"?$/.exec(raw);
  if (!m) throw badRequest(`If-Match must be a rules version ETag such as "3", got '${raw.slice(0, 40)}'.`, "invalid_header", "if-match");
  return Number(m[1]);
}

function settle(c: AdminContext, id: string, result: RulesWrite): Response {
  if (result.ok) {
    adopt(id, result.current);
    return versioned(c, result.current);
  }
  if (result.reason === "no_tenant") throw notFound(`No tenant '${id}'.`, "tenant_not_found");
  const current = result.current!;
  if (result.reason === "no_version") throw notFound(`Tenant '${id}' has no such rules version (current: ${current.version}).`, "rules_version_not_found");
  throw new ApiError(
    412,
    `The rules changed since you read them: current version is ${current.version}. GET them again and retry with If-Match: ${etag(current.version)}.`,
    "invalid_request_error",
    "rules_version_conflict",
    { current_version: current.version },
    { etag: etag(current.version) },
  );
}

rules.get("/tenants/:id/rules", async (c) => {
  const id = param(c.req.param("id"), "tenant id");
  const stub = tenantObject(c.env, id);
  if (!(await stub.info())) throw notFound(`No tenant '${id}'.`, "tenant_not_found");
  return versioned(c, await stub.rules());
});

rules.put("/tenants/:id/rules", async (c) => {
  const id = param(c.req.param("id"), "tenant id");
  const match = ifMatch(c);
  const doc = parseOrThrow(rulesDocument, await body(c), "rules");
  const note = c.req.header("x-meridian-change-note")?.slice(0, 500);
  return settle(c, id, await tenantObject(c.env, id).putRules(actor(c), doc, match, note));
});

rules.get("/tenants/:id/rules/history", async (c) => {
  const id = param(c.req.param("id"), "tenant id");
  const stub = tenantObject(c.env, id);
  if (!(await stub.info())) throw notFound(`No tenant '${id}'.`, "tenant_not_found");
  const data = await stub.rulesHistory(limitParam(c, 200), beforeParam(c));
  return c.json({ object: "list", data });
});

rules.post("/tenants/:id/rules/rollback", async (c) => {
  const id = param(c.req.param("id"), "tenant id");
  const match = ifMatch(c);
  const { version, note } = parseOrThrow(rulesRollback, await body(c));
  return settle(c, id, await tenantObject(c.env, id).rollbackRules(actor(c), version, match, note));
});
