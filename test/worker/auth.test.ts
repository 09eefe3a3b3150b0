import { env } from "cloudflare:workers";
import { beforeAll, describe, expect, it } from "vitest";
import { ADMIN_TOKEN, admin, adminJson, chat, expectOpenAiError, newTenant, registerOrigin, request, userMessage } from "./helpers";

const body = { model: "llama-8b", messages: userMessage("hello") };

beforeAll(async () => {
  await registerOrigin("auth-origin", "healthy");
});

describe("tenant keys", () => {
  it("answers a valid key", async () => {
    const { key } = await newTenant();
    const res = await chat(key, body);
    expect(res.status).toBe(200);
  });

  it("rejects a missing, malformed or unknown key with 401", async () => {
    const missing = await request("POST", "/v1/chat/completions", { body });
    expect((await expectOpenAiError(missing, 401)).type).toBe("authentication_error");
    expect(missing.headers.get("www-authenticate")).toBe("Bearer");
    await expectOpenAiError(await request("POST", "/v1/chat/completions", { body, headers: { authorization: "Basic abc" } }), 401);
    await expectOpenAiError(await chat("sk-mrd-not-a-real-key-but-long-enough-000000", body), 401);
    await expectOpenAiError(await request("GET", "/v1/models"), 401);
  });

  it("stores keys only as SHA-256 hashes", async () => {
    const { key, id } = await newTenant();
    const listed = await env.KV.list({ prefix: "key:" });
    const hashes = listed.keys.map((k) => k.name.slice(4));
    for (const hash of hashes) expect(hash).toMatch(/^[0-9a-f]{64}$/);
    const everything = await Promise.all(listed.keys.map((k) => env.KV.get(k.name)));
    expect(everything.join("\n")).not.toContain(key);
    const keys = await adminJson<{ data: Record<string, unknown>[] }>("GET", `/tenants/${id}/keys`);
    expect(JSON.stringify(keys)).not.toContain(key.slice(10));
    expect(keys.data[0]).toMatchObject({ prefix: key.slice(0, 10), revoked_at: null });
  });

  it("stops accepting a revoked key at once", async () => {
    const { id, key, keyId } = await newTenant();
    expect((await chat(key, body)).status).toBe(200);
    const revoked = await adminJson("DELETE", `/tenants/${id}/keys/${keyId}`);
    expect(revoked).toMatchObject({ id: keyId, revoked: true });
    await expectOpenAiError(await chat(key, body), 401);
  });

  it("imports a given key idempotently", async () => {
    const { id } = await newTenant();
    const secret = "sk-mrd-imported-key-for-seeding-0123456789";
    const first = await adminJson<{ id: string }>("POST", `/tenants/${id}/keys`, { key: secret });
    const second = await adminJson<{ id: string }>("POST", `/tenants/${id}/keys`, { key: secret });
    expect(second.id).toBe(first.id);
    expect((await chat(secret, body)).status).toBe(200);
  });

  it("refuses with 409 to import a key that another tenant holds, which keeps working for that tenant only", async () => {
    const owner = await newTenant();
    const thief = await newTenant();
    const secret = "sk-mrd-imported-key-held-by-another-tenant-0123";
    await adminJson("POST", `/tenants/${owner.id}/keys`, { key: secret });
    const refused = await admin("POST", `/tenants/${thief.id}/keys`, { key: secret });
    const error = await expectOpenAiError(refused, 409);
    expect(error).toMatchObject({ type: "invalid_request_error", code: "key_in_use" });
    // Nothing moved: the thief holds no new key, no audit row says it made one, and the secret still speaks for its owner.
    expect((await adminJson<{ data: unknown[] }>("GET", `/tenants/${thief.id}/keys`)).data).toHaveLength(1);
    const audit = await adminJson<{ data: { action: string }[] }>("GET", `/tenants/${thief.id}/audit`);
    expect(audit.data.filter((e) => e.action === "key.create")).toHaveLength(1);
    expect((await chat(secret, body)).status).toBe(200);
    const usage = (await (await request("GET", "/v1/usage", { headers: { authorization: `Bearer ${secret}` } })).json()) as { tenant_id: string };
    expect(usage.tenant_id).toBe(owner.id);
  });

  it("limits a tenant to its models", async () => {
    await registerOrigin("auth-small", "healthy", { models: { "llama-1.5b": "llama-8b" } });
    const { key } = await newTenant(["llama-1.5b"]);
    const denied = await expectOpenAiError(await chat(key, body), 404);
    expect(denied.code).toBe("model_not_found");
    const models = (await (await request("GET", "/v1/models", { headers: { authorization: `Bearer ${key}` } })).json()) as { data: { id: string }[] };
    expect(models.data.map((m) => m.id)).toEqual(["llama-1.5b"]);
  });
});

describe("admin token", () => {
  it("guards every admin route", async () => {
    for (const [method, path] of [["GET", "/origins"], ["PUT", "/origins/x"], ["POST", "/tenants"], ["DELETE", "/tenants/a/keys/b"]] as const) {
      await expectOpenAiError(await request(method, `/admin/v1${path}`, { body: {} }), 401);
      await expectOpenAiError(await request(method, `/admin/v1${path}`, { body: {}, headers: { authorization: `Bearer ${ADMIN_TOKEN.slice(0, -1)}k` } }), 401);
      await expectOpenAiError(await request(method, `/admin/v1${path}`, { body: {}, headers: { authorization: `Bearer ${ADMIN_TOKEN}-and-more` } }), 401);
    }
  });

  it("is not a tenant key, and a tenant key is not an admin token", async () => {
    const { key } = await newTenant();
    await expectOpenAiError(await request("GET", "/admin/v1/origins", { headers: { authorization: `Bearer ${key}` } }), 401);
    await expectOpenAiError(await chat(ADMIN_TOKEN, body), 401);
    expect((await admin("GET", "/origins")).status).toBe(200);
  });
});
