import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { admin, adminJson, expectOpenAiError } from "./helpers";

const origin = {
  base_url: "http://127.0.0.1:9/v1",
  region: "apac",
  lat: 35.7,
  lon: 139.7,
  models: { "llama-8b": "meta-llama/Llama-3.1-8B-Instruct" },
  price: { input_per_m: 0.2, output_per_m: 0.6 },
};

describe("origins", () => {
  it("creates, reads, updates, drains and deletes", async () => {
    const created = await admin("POST", "/origins", { id: "tokyo-1", ...origin });
    expect(created.status).toBe(201);
    expect(await created.json()).toMatchObject({ id: "tokyo-1", weight: 1, draining: false });
    await expectOpenAiError(await admin("POST", "/origins", { id: "tokyo-1", ...origin }), 409);

    expect(await adminJson("GET", "/origins/tokyo-1")).toMatchObject({ region: "apac" });
    const drained = await adminJson("PATCH", "/origins/tokyo-1", { draining: true });
    expect(drained).toMatchObject({ draining: true, lat: 35.7 });
    const replaced = await admin("PUT", "/origins/tokyo-1", { ...origin, weight: 3 });
    expect(replaced.status).toBe(200);
    expect(await replaced.json()).toMatchObject({ weight: 3, draining: false });

    expect((await adminJson<{ data: unknown[] }>("GET", "/origins")).data).toHaveLength(1);
    expect(await adminJson("DELETE", "/origins/tokyo-1")).toMatchObject({ deleted: true });
    await expectOpenAiError(await admin("GET", "/origins/tokyo-1"), 404);
    await expectOpenAiError(await admin("DELETE", "/origins/tokyo-1"), 404);
  });

  it("publishes every write to KV with a rising version", async () => {
    await adminJson("PUT", "/origins/kv-a", origin);
    const first = await env.KV.get<{ version: number; origins: { id: string }[] }>("origins", "json");
    await adminJson("PUT", "/origins/kv-b", origin);
    const second = await env.KV.get<{ version: number; origins: { id: string }[] }>("origins", "json");
    expect(second!.version).toBeGreaterThan(first!.version);
    expect(second!.origins.map((o) => o.id)).toEqual(expect.arrayContaining(["kv-a", "kv-b"]));
  });

  it("never shows the upstream secret", async () => {
    const res = await admin("PUT", "/origins/secret-1", { ...origin, auth: { header: "Authorization", value: "Bearer upstream-secret" } });
    expect(await res.text()).not.toContain("upstream-secret");
    expect(JSON.stringify(await adminJson("GET", "/origins"))).not.toContain("upstream-secret");
  });

  it("rejects bad origins with a 400 naming the field", async () => {
    const cases: [Record<string, unknown>, RegExp][] = [
      [{ ...origin, region: "mars" }, /region/],
      [{ ...origin, base_url: "ftp://x" }, /base_url/],
      [{ ...origin, lat: 91 }, /lat/],
      [{ ...origin, price: { input_per_m: -1, output_per_m: 0 } }, /price\.input_per_m/],
      [{ ...origin, surprise: true }, /surprise|Unrecognized/],
    ];
    for (const [body, field] of cases) {
      const err = await expectOpenAiError(await admin("PUT", "/origins/bad", body), 400);
      expect(err.message).toMatch(field);
    }
    await expectOpenAiError(await admin("PUT", "/origins/Bad%20Id", origin), 400);
    await expectOpenAiError(await admin("PUT", "/origins/bad", "not json"), 400);
  });
});

describe("tenants", () => {
  it("creates with a generated or chosen id, updates, lists", async () => {
    const generated = await admin("POST", "/tenants", { name: "Acme" });
    expect(generated.status).toBe(201);
    const acme = (await generated.json()) as { id: string };
    expect(acme.id).toMatch(/^t_/);
    expect((await admin("POST", "/tenants", { id: "globex", name: "Globex" })).status).toBe(201);
    await expectOpenAiError(await admin("POST", "/tenants", { id: "globex", name: "Again" }), 409);
    expect(await adminJson("PUT", "/tenants/globex", { name: "Globex Corp", models: ["llama-8b"] })).toMatchObject({ name: "Globex Corp", models: ["llama-8b"] });
    const list = await adminJson<{ data: { id: string }[] }>("GET", "/tenants");
    expect(list.data.map((t) => t.id)).toEqual(expect.arrayContaining([acme.id, "globex"]));
    await expectOpenAiError(await admin("GET", "/tenants/nobody"), 404);
  });

  it("creates keys only for tenants that exist, shows the secret once", async () => {
    await expectOpenAiError(await admin("POST", "/tenants/nobody/keys", {}), 404);
    await adminJson("PUT", "/tenants/keyed", { name: "Keyed" });
    const key = await adminJson<{ key: string; id: string }>("POST", "/tenants/keyed/keys", { name: "ci" });
    expect(key.key).toMatch(/^sk-mrd-/);
    const list = await adminJson<{ data: Record<string, unknown>[] }>("GET", "/tenants/keyed/keys");
    expect(list.data).toEqual([expect.objectContaining({ id: key.id, name: "ci" })]);
    expect(list.data[0]).not.toHaveProperty("key");
    await expectOpenAiError(await admin("DELETE", "/tenants/keyed/keys/key_nope"), 404);
  });
});
