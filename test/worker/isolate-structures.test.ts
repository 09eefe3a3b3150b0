import { beforeAll, describe, expect, it } from "vitest";
import { adminJson, chat, expectOpenAiError, readSse, registerOrigin, request, userMessage } from "./helpers";

interface Structure {
  name: string;
  about: string;
  size: number;
  bound: number | null;
  drains: boolean;
  unit: string;
}

const structures = async () => (await adminJson<{ object: string; data: Structure[] }>("GET", "/isolate/structures")).data;
const byName = (list: Structure[]) => Object.fromEntries(list.map((s) => [s.name, s]));

let key: string;

beforeAll(async () => {
  await registerOrigin("isolate-origin", "healthy");
  await adminJson("PUT", "/tenants/isolate-a", { name: "isolate-a" });
  await adminJson("PUT", "/tenants/isolate-a/rules", { cache: { exact: true } });
  key = (await adminJson<{ key: string }>("POST", "/tenants/isolate-a/keys", {})).key;
});

describe("GET /admin/v1/isolate/structures", () => {
  it("is behind the admin token", async () => {
    await expectOpenAiError(await request("GET", "/admin/v1/isolate/structures"), 401);
  });

  it("names each structure once, with its size within its bound", async () => {
    const list = await structures();
    expect(new Set(list.map((s) => s.name)).size).toBe(list.length);
    for (const s of list) {
      expect(s.about, s.name).toBeTruthy();
      expect(Number.isSafeInteger(s.size) && s.size >= 0, `${s.name}: ${s.size}`).toBe(true);
      if (s.bound !== null) {
        expect(Number.isSafeInteger(s.bound) && s.bound > 0, `${s.name} bound: ${s.bound}`).toBe(true);
        expect(s.size, s.name).toBeLessThanOrEqual(s.bound);
      }
    }
    expect(list.filter((s) => s.drains).map((s) => s.name)).toEqual(expect.arrayContaining(["origin_requests_in_flight", "coalescing_flights", "usage_records_unacknowledged"]));
  });

  it("counts what it names: a key used once is one grant more, its revocation one less", async () => {
    const fresh = await adminJson<{ key: string; id: string }>("POST", "/tenants/isolate-a/keys", {});
    const grants = async () => byName(await structures()).api_key_grants!.size;
    const before = await grants();
    await (await chat(fresh.key, { model: "llama-8b", messages: userMessage("Counted once.") })).json();
    expect(await grants()).toBe(before + 1);
    await adminJson("DELETE", `/tenants/isolate-a/keys/${fresh.id}`);
    expect(await grants()).toBe(before);
  });

  it("shows what traffic left behind: caches filled, work in progress drained", async () => {
    const body = { model: "llama-8b", temperature: 0, messages: userMessage("What is isolate memory?") };
    await (await chat(key, body)).json();
    await readSse(await chat(key, { ...body, messages: userMessage("Streamed, for the read-out."), stream: true }));

    let list = await structures();
    for (let i = 0; i < 100 && list.some((s) => s.drains && s.size > 0); i++) {
      await new Promise((r) => setTimeout(r, 50)); // usage and statistics flush in the background
      list = await structures();
    }
    expect(list.filter((s) => s.drains && s.size > 0)).toEqual([]);
    const s = byName(list);
    expect(s.response_cache_memory!.size).toBeGreaterThan(0);
    expect(s.api_key_grants!.size).toBeGreaterThan(0);
    expect(s.tenant_rules_copies!.size).toBeGreaterThan(0);
  });
});
