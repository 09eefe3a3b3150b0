import { Hono } from "hono";
import type { AppEnv } from "../../app-env";
import { generateKey, sha256Hex } from "../../auth/crypto";
import { ApiError, notFound } from "../../http/errors";
import { KV_TENANT_PREFIX } from "../../kv-keys";
import { cachePurge, keyCreate, keyUpdate, tenantCreate, tenantInput, type TenantRecord } from "../../schemas/admin";
import { parseOrThrow } from "../../schemas/validate";
import { forgetKey, forgetTenant } from "../../tenants/auth";
import { actor, beforeParam, body, limitParam, param } from "./shared";
import { tenantObject } from "../../objects/stubs";

/** Tenants, their keys, cache purges and audit log. */
export const tenants = new Hono<AppEnv>();

tenants.get("/tenants", async (c) => {
  const listed = await c.env.KV.list({ prefix: KV_TENANT_PREFIX, limit: 1000 });
  const records = await Promise.all(listed.keys.map((k) => c.env.KV.get<TenantRecord>(k.name, "json")));
  return c.json({ object: "list", data: records.filter((t) => t !== null) });
});

tenants.post("/tenants", async (c) => {
  const { id = `t_${crypto.randomUUID().replaceAll("-", "").slice(0, 16)}`, ...input } = parseOrThrow(tenantCreate, await body(c));
  const result = await tenantObject(c.env, id).upsert(actor(c), id, input, true);
  if (!result) throw new ApiError(409, `Tenant '${id}' already exists: use PUT to update it.`, "invalid_request_error", "tenant_exists");
  return c.json(result.tenant, 201);
});

tenants.put("/tenants/:id", async (c) => {
  const id = param(c.req.param("id"), "tenant id");
  const input = parseOrThrow(tenantInput, await body(c));
  const result = (await tenantObject(c.env, id).upsert(actor(c), id, input))!;
  forgetTenant(id);
  return c.json(result.tenant, result.created ? 201 : 200);
});

tenants.get("/tenants/:id", async (c) => {
  const id = param(c.req.param("id"), "tenant id");
  const tenant = await tenantObject(c.env, id).info();
  if (!tenant) throw notFound(`No tenant '${id}'.`, "tenant_not_found");
  return c.json(tenant);
});

tenants.post("/tenants/:id/cache/purge", async (c) => {
  const id = param(c.req.param("id"), "tenant id");
  const { model } = parseOrThrow(cachePurge, await body(c));
  const tenant = await tenantObject(c.env, id).purgeCache(actor(c), model);
  if (!tenant) throw notFound(`No tenant '${id}'.`, "tenant_not_found");
  forgetTenant(id);
  return c.json({ object: "cache_purge", tenant_id: id, model: model ?? null, generation: tenant.cache_generation });
});

tenants.post("/tenants/:id/keys", async (c) => {
  const id = param(c.req.param("id"), "tenant id");
  const input = parseOrThrow(keyCreate, await body(c));
  const secret = input.key ?? generateKey();
  const hash = await sha256Hex(secret);
  const key = await tenantObject(c.env, id).addKey(actor(c), hash, input.name ?? null, secret.slice(0, 10), input.limits ?? null);
  if (!key) throw notFound(`No tenant '${id}'.`, "tenant_not_found");
  if (key === "key_in_use") throw new ApiError(409, "This key belongs to another tenant: revoke it there first, or import another key.", "invalid_request_error", "key_in_use");
  forgetKey(hash);
  // The only time the secret is ever shown.
  return c.json({ ...key, object: "api_key", tenant_id: id, key: secret }, 201);
});

tenants.get("/tenants/:id/keys", async (c) => {
  const id = param(c.req.param("id"), "tenant id");
  const keys = await tenantObject(c.env, id).listKeys();
  return c.json({ object: "list", data: keys });
});

tenants.patch("/tenants/:id/keys/:keyId", async (c) => {
  const id = param(c.req.param("id"), "tenant id");
  const change = parseOrThrow(keyUpdate, await body(c));
  const updated = await tenantObject(c.env, id).updateKey(actor(c), c.req.param("keyId"), change);
  if (!updated) throw notFound(`No key '${c.req.param("keyId")}' for tenant '${id}'.`, "key_not_found");
  forgetKey(updated.hash);
  return c.json({ ...updated.key, object: "api_key" });
});

tenants.delete("/tenants/:id/keys/:keyId", async (c) => {
  const id = param(c.req.param("id"), "tenant id");
  const revoked = await tenantObject(c.env, id).revokeKey(actor(c), c.req.param("keyId"));
  if (!revoked) throw notFound(`No key '${c.req.param("keyId")}' for tenant '${id}'.`, "key_not_found");
  forgetKey(revoked.hash);
  return c.json({ ...revoked.key, object: "api_key", revoked: true });
});

tenants.get("/tenants/:id/audit", async (c) => {
  const id = param(c.req.param("id"), "tenant id");
  const stub = tenantObject(c.env, id);
  if (!(await stub.info())) throw notFound(`No tenant '${id}'.`, "tenant_not_found");
  const data = await stub.auditLog(limitParam(c), beforeParam(c));
  return c.json({ object: "list", data });
});
