import { beforeAll, describe, expect, it } from "vitest";
import { adminJson, chat, expectOpenAiError, fleet, newTenant, registerOrigin, request, userMessage } from "./helpers";

// Origins are shared by every tenant and know nothing of tenants: what a
// client sends must not let it reach another tenant's work there.
let key: string;

beforeAll(async () => {
  await registerOrigin("shared-a", "healthy", { models: { "shared-m": "llama-8b" } });
  key = (await newTenant()).key;
}, 30_000);

const responses = (body: Record<string, unknown>) =>
  request("POST", "/v1/responses", { body: { model: "shared-m", input: "hi", max_output_tokens: 8, ...body }, headers: { authorization: `Bearer ${key}` } });

describe("shared origins", () => {
  it("hear Meridian's own request id, never the client's; the client's is still echoed back", async () => {
    const res = await chat(key, { model: "shared-m", messages: userMessage("hi"), max_tokens: 4 }, { "x-request-id": "client-chosen-id" });
    expect(res.status).toBe(200);
    expect(res.headers.get("x-request-id")).toBe("client-chosen-id");
    const upstream = res.headers.get("x-meridian-upstream-request-id");
    expect(upstream).toMatch(/^[0-9a-f-]{36}$/);
    expect(upstream).not.toBe("client-chosen-id");
    await res.text();
  });

  it("keep no Responses API state for a tenant: previous_response_id, conversation, background and store: true are a 400", async () => {
    for (const field of [{ previous_response_id: "resp_of_another_tenant" }, { conversation: "conv_1" }, { background: true }, { store: true }]) {
      const err = await expectOpenAiError(await responses(field), 400);
      expect(err.code, JSON.stringify(field)).toBe("unsupported_parameter");
    }
    const ok = await responses({});
    expect(ok.status).toBe(200);
    await ok.text();
  });

  it("take a per-tenant cache_salt where the operator says the origin supports it", async () => {
    const origin = await adminJson("PUT", "/origins/shared-salted", {
      base_url: fleet().healthy2!.baseUrl,
      region: "weur",
      lat: 50.1,
      lon: 8.7,
      models: { "salted-m": "llama-8b" },
      price: { input_per_m: 0.2, output_per_m: 0.6 },
      cache_salt: true,
    });
    expect(origin.cache_salt).toBe(true);
    const res = await chat(key, { model: "salted-m", messages: userMessage("hi"), max_tokens: 4, cache_salt: "chosen-by-client" });
    expect(res.status).toBe(200);
    await res.text();
  });
});
