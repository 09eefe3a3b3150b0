// The objects' SQLite is the truth and KV the read path's copy: a KV write
// that fails must neither fail the admin call nor leave every PoP on the old
// view until the next write. The object's alarm republishes.
import { env } from "cloudflare:workers";
import { runDurableObjectAlarm, runInDurableObject } from "cloudflare:test";
import { beforeAll, describe, expect, it } from "vitest";
import { KV_ORIGINS, kvTenant } from "../../worker/kv-keys";
import { admin, adminJson, request } from "./helpers";

const origin = {
  base_url: "http://127.0.0.1:9/v1",
  region: "apac",
  lat: 35.7,
  lon: 139.7,
  models: { "llama-8b": "llama-8b" },
  price: { input_per_m: 0.2, output_per_m: 0.6 },
};

/** A KV binding whose writes all fail, as during a KV outage. */
function failingKv(kv: KVNamespace): KVNamespace {
  const fail = () => Promise.reject(new Error("KV is unavailable"));
  return new Proxy(kv, { get: (target, prop) => (prop === "put" || prop === "delete" ? fail : Reflect.get(target, prop).bind(target)) });
}

/** Runs `fn` while the object behind `stub` sees a KV that refuses writes. */
async function withKvDown<T>(stub: DurableObjectStub, fn: () => Promise<T>): Promise<T> {
  await runInDurableObject(stub, (instance) => {
    (instance as unknown as { env: Env }).env = { ...env, KV: failingKv(env.KV) };
  });
  try {
    return await fn();
  } finally {
    await runInDurableObject(stub, (instance) => {
      (instance as unknown as { env: Env }).env = env;
    });
  }
}

type Snapshot = { version: number; origins: { id: string }[] };

// The worker's first request in a fresh runtime starts it (seconds on a busy machine): not inside a test.
beforeAll(async () => void (await request("GET", "/healthz")).body?.cancel(), 60_000);

describe("KV publication", () => {
  it("an origin write during a KV outage succeeds, and the registry's alarm publishes it once KV is back", async () => {
    const registry = env.ORIGIN_REGISTRY.get(env.ORIGIN_REGISTRY.idFromName("global"));
    await adminJson("PUT", "/origins/before-outage", origin);
    const res = await withKvDown(registry, () => admin("PUT", "/origins/during-outage", origin));
    expect(res.status).toBe(201);
    expect((await env.KV.get<Snapshot>(KV_ORIGINS, "json"))!.origins.map((o) => o.id)).not.toContain("during-outage"); // KV still stale
    expect(await runDurableObjectAlarm(registry)).toBe(true);
    const published = await env.KV.get<Snapshot>(KV_ORIGINS, "json");
    expect(published!.origins.map((o) => o.id)).toEqual(["before-outage", "during-outage"]);
    expect(published!.version).toBe((await registry.snapshot()).version);
  });

  it("keeps retrying from the alarm while KV stays down", async () => {
    const registry = env.ORIGIN_REGISTRY.get(env.ORIGIN_REGISTRY.idFromName("global"));
    await withKvDown(registry, async () => {
      expect((await admin("DELETE", "/origins/before-outage")).status).toBe(200);
      expect(await runDurableObjectAlarm(registry)).toBe(true); // fails again: sets the next alarm
    });
    expect(await runDurableObjectAlarm(registry)).toBe(true);
    expect((await env.KV.get<Snapshot>(KV_ORIGINS, "json"))!.origins.map((o) => o.id)).toEqual(["during-outage"]);
  });

  it("a tenant write during a KV outage succeeds, and the tenant's alarm publishes it", async () => {
    const id = `kv-outage-${crypto.randomUUID().slice(0, 8)}`;
    await adminJson("PUT", `/tenants/${id}`, { name: "before" });
    const tenant = env.TENANT.get(env.TENANT.idFromName(id));
    const res = await withKvDown(tenant, () => admin("PUT", `/tenants/${id}`, { name: "during" }));
    expect(res.status).toBe(200);
    expect(await runDurableObjectAlarm(tenant)).toBe(true);
    expect(await env.KV.get<{ name: string }>(kvTenant(id), "json")).toMatchObject({ name: "during" });
  });
});
