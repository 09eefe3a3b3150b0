import { Hono } from "hono";
import type { AppEnv } from "../app-env";
import { bearerToken, generateKey, secretsEqual, sha256Hex } from "../auth/crypto";
import { readJsonBody } from "../http/body";
import { ApiError, notFound, unauthorized } from "../http/errors";
import { KV_TENANT_PREFIX } from "../kv-keys";
import { remember } from "../origins/snapshot";
import { cachePurge, idSchema, keyCreate, originCreate, originInput, originPatch, tenantCreate, tenantInput, type Origin, type TenantRecord } from "../schemas/admin";
import { parseOrThrow } from "../schemas/validate";
import { settings } from "../settings";
import { forgetKey, forgetTenant } from "../tenants/auth";
import { regions } from "./regions";

/** The operator's API: origins, tenants and keys. Behind the admin token. */
export const admin = new Hono<AppEnv>();

admin.use(async (c, next) => {
  const expected = c.env.ADMIN_TOKEN;
  if (!expected) throw new ApiError(503, "The admin API is disabled: set the ADMIN_TOKEN secret.", "api_error", "admin_disabled");
  const token = bearerToken(c.req.header("authorization"));
  if (!token || !(await secretsEqual(token, expected))) throw unauthorized("Invalid admin token.");
  await next();
});

const registry = (env: Env) => env.ORIGIN_REGISTRY.get(env.ORIGIN_REGISTRY.idFromName("global"));
const tenantObject = (env: Env, id: string) => env.TENANT.get(env.TENANT.idFromName(id));
const body = (c: { req: { raw: Request }; env: Env }) => readJsonBody(c.req.raw, settings(c.env).maxBodyBytes);
const param = (value: string, what: string) => parseOrThrow(idSchema, value, what);

/** Origin secrets are write-only: reads show that auth is set, not its value. */
function redact(origin: Origin) {
  return origin.auth ? { ...origin, auth: { header: origin.auth.header, value: "[redacted]" } } : origin;
}

admin.route("/", regions);

// ---- origins ---------------------------------------------------------------

admin.get("/origins", async (c) => {
  const origins = await registry(c.env).list();
  return c.json({ object: "list", data: origins.map(redact) });
});

admin.get("/origins/:id", async (c) => {
  const origin = await registry(c.env).get(param(c.req.param("id"), "origin id"));
  if (!origin) throw notFound(`No origin '${c.req.param("id")}'.`, "origin_not_found");
  return c.json(redact(origin));
});

admin.post("/origins", async (c) => {
  const { id, ...input } = parseOrThrow(originCreate, await body(c));
  const stub = registry(c.env);
  const result = await stub.put(id, input, true);
  if (!result) throw new ApiError(409, `Origin '${id}' already exists: use PUT to replace it.`, "invalid_request_error", "origin_exists");
  remember(await stub.snapshot());
  return c.json(redact(result.origin), 201);
});

admin.put("/origins/:id", async (c) => {
  const id = param(c.req.param("id"), "origin id");
  const input = parseOrThrow(originInput, await body(c));
  const stub = registry(c.env);
  const result = (await stub.put(id, input))!;
  remember(await stub.snapshot());
  return c.json(redact(result.origin), result.created ? 201 : 200);
});

admin.patch("/origins/:id", async (c) => {
  const id = param(c.req.param("id"), "origin id");
  const changes = parseOrThrow(originPatch, await body(c));
  const stub = registry(c.env);
  const origin = await stub.patch(id, changes);
  if (!origin) throw notFound(`No origin '${id}'.`, "origin_not_found");
  remember(await stub.snapshot());
  return c.json(redact(origin));
});

admin.delete("/origins/:id", async (c) => {
  const id = param(c.req.param("id"), "origin id");
  const stub = registry(c.env);
  if (!(await stub.delete(id))) throw notFound(`No origin '${id}'.`, "origin_not_found");
  remember(await stub.snapshot());
  return c.json({ id, object: "origin", deleted: true });
});

// ---- tenants and keys ------------------------------------------------------

admin.get("/tenants", async (c) => {
  const listed = await c.env.KV.list({ prefix: KV_TENANT_PREFIX, limit: 1000 });
  const tenants = await Promise.all(listed.keys.map((k) => c.env.KV.get<TenantRecord>(k.name, "json")));
  return c.json({ object: "list", data: tenants.filter((t) => t !== null) });
});

admin.post("/tenants", async (c) => {
  const { id = `t_${crypto.randomUUID().replaceAll("-", "").slice(0, 16)}`, ...input } = parseOrThrow(tenantCreate, await body(c));
  const result = await tenantObject(c.env, id).upsert(id, input, true);
  if (!result) throw new ApiError(409, `Tenant '${id}' already exists: use PUT to update it.`, "invalid_request_error", "tenant_exists");
  return c.json(result.tenant, 201);
});

admin.put("/tenants/:id", async (c) => {
  const id = param(c.req.param("id"), "tenant id");
  const input = parseOrThrow(tenantInput, await body(c));
  const result = (await tenantObject(c.env, id).upsert(id, input))!;
  forgetTenant(id);
  return c.json(result.tenant, result.created ? 201 : 200);
});

admin.get("/tenants/:id", async (c) => {
  const id = param(c.req.param("id"), "tenant id");
  const tenant = await tenantObject(c.env, id).info();
  if (!tenant) throw notFound(`No tenant '${id}'.`, "tenant_not_found");
  return c.json(tenant);
});

admin.post("/tenants/:id/cache/purge", async (c) => {
  const id = param(c.req.param("id"), "tenant id");
  const { model } = parseOrThrow(cachePurge, await body(c));
  const tenant = await tenantObject(c.env, id).purgeCache(model);
  if (!tenant) throw notFound(`No tenant '${id}'.`, "tenant_not_found");
  forgetTenant(id);
  return c.json({ object: "cache_purge", tenant_id: id, model: model ?? null, generation: tenant.cache_generation });
});

admin.post("/tenants/:id/keys", async (c) => {
  const id = param(c.req.param("id"), "tenant id");
  const input = parseOrThrow(keyCreate, await body(c));
  const secret = input.key ?? generateKey();
  const hash = await sha256Hex(secret);
  const key = await tenantObject(c.env, id).addKey(hash, input.name ?? null, secret.slice(0, 10));
  if (!key) throw notFound(`No tenant '${id}'.`, "tenant_not_found");
  forgetKey(hash);
  // The only time the secret is ever shown.
  return c.json({ ...key, object: "api_key", tenant_id: id, key: secret }, 201);
});

admin.get("/tenants/:id/keys", async (c) => {
  const id = param(c.req.param("id"), "tenant id");
  const keys = await tenantObject(c.env, id).listKeys();
  return c.json({ object: "list", data: keys });
});

admin.delete("/tenants/:id/keys/:keyId", async (c) => {
  const id = param(c.req.param("id"), "tenant id");
  const stub = tenantObject(c.env, id);
  const revoked = await stub.revokeKey(c.req.param("keyId"));
  if (!revoked) throw notFound(`No key '${c.req.param("keyId")}' for tenant '${id}'.`, "key_not_found");
  forgetKey(revoked.hash);
  return c.json({ ...revoked.key, object: "api_key", revoked: true });
});
