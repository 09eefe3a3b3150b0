// Names a client chooses (model, metadata keys) are looked up in the tenant's
// rules, the origins' model maps and price lists. Names every JavaScript
// object "has" (`constructor`, `__proto__`, `toString`, …) must be as unknown
// as any other unknown name: 404 model_not_found, never a 500, never an
// origin call, never a charge.
import { beforeAll, describe, expect, it } from "vitest";
import { adminJson, chat, expectOpenAiError, newTenant, registerOrigin, userMessage } from "./helpers";
import { usageWhen } from "./usage-helpers";

const PROTOTYPE_NAMES = ["constructor", "__proto__", "toString", "hasOwnProperty", "valueOf", "__defineGetter__"];

beforeAll(async () => {
  await registerOrigin("proto-origin", "healthy", { models: { "proto-small": "llama-8b", "proto-big": "llama-8b" } });
}, 60_000); // the first admin call of a cold runtime can be slow on a busy machine

const ask = (key: string, model: string, extra: Record<string, unknown> = {}) =>
  chat(key, { model, messages: userMessage("Say hello."), max_tokens: 4, ...extra }, { "x-meridian-hedge": "off" });

async function expectUnknownModel(key: string, model: string, extra: Record<string, unknown> = {}): Promise<void> {
  const res = await ask(key, model, extra);
  const error = await expectOpenAiError(res, 404);
  expect(error, model).toMatchObject({ type: "not_found_error", code: "model_not_found" });
  expect(res.headers.get("x-meridian-origin"), model).toBeNull();
}

describe("model names that are JavaScript object keys", () => {
  it("are unknown models for a tenant with aliases, auto models, pools and routes", async () => {
    const { id, key } = await newTenant();
    await adminJson("PUT", `/tenants/${id}/rules`, {
      pools: { main: ["proto-origin"] },
      aliases: { fast: { targets: [{ model: "proto-small", pool: "main" }] } },
      auto: { auto: { models: [{ model: "proto-small" }, { model: "proto-big" }] } },
      routes: [{ name: "tagged", when: { metadata: { key: "tier", equals: "batch" } }, policy: { kind: "cost" } }],
      cache: { exact: true, semantic: true },
    });
    for (const model of PROTOTYPE_NAMES) {
      await expectUnknownModel(key, model, { temperature: 0 });
      await expectUnknownModel(key, model, { metadata: { tier: "batch" } });
    }
    // The rules still work for the names they define.
    const fast = await ask(key, "fast");
    expect(fast.status).toBe(200);
    expect(fast.headers.get("x-meridian-model")).toBe("proto-small");
    await fast.arrayBuffer();
  });

  it("are unknown models for a tenant without rules", async () => {
    const { key } = await newTenant();
    for (const model of PROTOTYPE_NAMES) await expectUnknownModel(key, model);
  });

  it("do not reach an origin or the bill of a prepaid tenant, whose later usage is recorded", async () => {
    const { id, key } = await newTenant();
    await adminJson("PUT", `/tenants/${id}`, { name: id, prepaid: true, pricing: { models: { "proto-small": { input_per_m: 100, output_per_m: 100 } } } });
    await adminJson("POST", `/tenants/${id}/credits`, { amount_usd: 0.01 });
    for (const model of PROTOTYPE_NAMES) await expectUnknownModel(key, model);

    const ok = await ask(key, "proto-small");
    expect(ok.status).toBe(200);
    await ok.json();
    const usage = await usageWhen(key, (u) => u.totals.requests >= 1);
    expect(usage.totals.requests).toBe(1);
    expect(usage.data.map((row) => row.model)).toEqual(["proto-small"]);
    expect(Number.isFinite(usage.totals.cost_usd)).toBe(true);
    expect(usage.totals.cost_usd).toBeGreaterThan(0);
    expect(usage.account.credits_usd!).toBeCloseTo(0.01 - usage.totals.cost_usd, 9);
  });


  it("are counted as their own model when an admin purges the cache for them", async () => {
    const { id } = await newTenant();
    for (const model of PROTOTYPE_NAMES) {
      const first = await adminJson<{ generation: { models: Record<string, unknown> } }>("POST", `/tenants/${id}/cache/purge`, { model });
      expect(Object.getOwnPropertyDescriptor(first.generation.models, model)?.value, model).toBe(1);
      const second = await adminJson<{ generation: { models: Record<string, unknown> } }>("POST", `/tenants/${id}/cache/purge`, { model });
      expect(Object.getOwnPropertyDescriptor(second.generation.models, model)?.value, model).toBe(2);
    }
  });
});
