import { beforeAll, describe, expect, it } from "vitest";
import { adminJson, chat, expectOpenAiError, newTenant, registerOrigin, request, userMessage } from "./helpers";

// Frankfurt-ish and Virginia-ish origins; requests say where they come from
// with the dev-only location header (dev mode is on in the test config).
const FRANKFURT = { region: "weur", lat: 50.1, lon: 8.7 };
const VIRGINIA = { region: "enam", lat: 39.0, lon: -77.5 };
// Hedging is off here: these tests count attempts of plain failover.
const fromEurope = { "x-meridian-dev-region": "weur", "x-meridian-hedge": "off" };
const fromUs = { "x-meridian-dev-region": "enam", "x-meridian-hedge": "off" };

let key: string;
const ask = (model: string, headers: Record<string, string> = fromEurope, extra: Record<string, unknown> = {}) =>
  chat(key, { model, messages: userMessage("What is the capital of France?"), ...extra }, headers);

beforeAll(async () => {
  await registerOrigin("fra", "healthy", { ...FRANKFURT });
  await registerOrigin("iad", "healthy2", { ...VIRGINIA });
  // Each broken origin sits nearest to Europe for its own model, with a healthy one behind it.
  for (const [member, model] of [["failing", "m-500"], ["hanging", "m-hang"], ["limited", "m-429"], ["resetting", "m-reset"], ["malformed", "m-bad"]] as const) {
    await registerOrigin(`${member}-near`, member, { ...FRANKFURT, models: { [model]: "llama-8b" } });
    await registerOrigin(`${member}-far`, "healthy2", { ...VIRGINIA, models: { [model]: "llama-8b" } });
  }
  await registerOrigin("dead-1", "dead", { ...FRANKFURT, models: { "m-dead": "llama-8b" } });
  await registerOrigin("dead-2", "failing", { ...VIRGINIA, models: { "m-dead": "llama-8b" } });
  await registerOrigin("slow-1", "hanging", { ...FRANKFURT, models: { "m-slow": "llama-8b" } });
  await registerOrigin("slow-2", "hanging", { ...VIRGINIA, models: { "m-slow": "llama-8b" } });
  key = (await newTenant()).key;
});

describe("routing v0", () => {
  it("answers from the nearest origin and says so", async () => {
    const eu = await ask("llama-8b", fromEurope);
    expect(eu.status).toBe(200);
    expect(eu.headers.get("x-meridian-origin")).toBe("fra");
    expect(eu.headers.get("x-meridian-region")).toBe("weur");
    expect(eu.headers.get("x-meridian-attempts")).toBe("1");
    expect(eu.headers.get("server-timing")).toMatch(/route;dur=\d+, origin;dur=\d+/);
    const us = await ask("llama-8b", fromUs);
    expect(us.headers.get("x-meridian-origin")).toBe("iad");
    expect(us.headers.get("x-meridian-region")).toBe("enam");
    const fromTokyoCoords = await ask("llama-8b", { "x-meridian-dev-location": "35.7,139.7" });
    expect(fromTokyoCoords.headers.get("x-meridian-region")).toBe("apac");
  });

  it("returns the origin's OpenAI response with the public model name asked for upstream", async () => {
    await registerOrigin("renamed", "healthy", { ...FRANKFURT, models: { "public-name": "llama-8b" } });
    const res = await ask("public-name");
    expect(res.status).toBe(200);
    const body = (await res.json()) as { object: string; model: string; choices: { message: { content: string } }[]; usage: Record<string, number> };
    expect(body.object).toBe("chat.completion");
    expect(body.model).toBe("llama-8b");
    expect(body.choices[0]!.message.content.length).toBeGreaterThan(0);
    expect(body.usage.total_tokens).toBe(body.usage.prompt_tokens! + body.usage.completion_tokens!);
  });

  it("passes unknown fields through and keeps tenant secrets from the origin", async () => {
    await registerOrigin("echo", "healthy", { ...FRANKFURT, models: { "m-auth": "llama-8b" }, auth: { header: "x-upstream-key", value: "fleet-secret" } });
    const res = await ask("m-auth", fromEurope, { max_tokens: 3, vendor_flag: true });
    expect(res.status).toBe(200);
    const body = (await res.json()) as { usage: { completion_tokens: number } };
    expect(body.usage.completion_tokens).toBeLessThanOrEqual(3);
  });

  it("lists the models a tenant may call", async () => {
    const res = await request("GET", "/v1/models", { headers: { authorization: `Bearer ${key}` } });
    const body = (await res.json()) as { object: string; data: { id: string; object: string }[] };
    expect(body.object).toBe("list");
    expect(body.data.map((m) => m.id)).toEqual(expect.arrayContaining(["llama-8b", "m-500", "m-dead"]));
    expect(body.data[0]!.object).toBe("model");
  });
});

describe("the other OpenAI endpoints", () => {
  it("forwards completions, embeddings and responses", async () => {
    const auth = { authorization: `Bearer ${key}`, ...fromEurope };
    const completion = await request("POST", "/v1/completions", { body: { model: "llama-8b", prompt: "Once upon a time" }, headers: auth });
    expect(completion.status).toBe(200);
    expect(((await completion.json()) as { object: string }).object).toBe("text_completion");

    const embedding = await request("POST", "/v1/embeddings", { body: { model: "llama-8b", input: ["a", "b"] }, headers: auth });
    expect(embedding.status).toBe(200);
    expect(((await embedding.json()) as { data: unknown[] }).data).toHaveLength(2);

    const response = await request("POST", "/v1/responses", { body: { model: "llama-8b", input: "Say hi" }, headers: auth });
    expect(response.status).toBe(200);
    expect(((await response.json()) as { object: string }).object).toBe("response");
  });
});

describe("failover before the first byte", () => {
  it.each([
    ["a 500", "m-500"],
    ["a hang until the timeout", "m-hang"],
    ["a 429", "m-429"],
    ["a reset connection", "m-reset"],
    ["a malformed JSON body", "m-bad"],
  ])("moves on after %s", async (_what, model) => {
    const res = await ask(model, { ...fromEurope, "x-meridian-timeout-ms": "500" });
    expect(res.status).toBe(200);
    expect(res.headers.get("x-meridian-origin")).toMatch(/-far$/);
    expect(res.headers.get("x-meridian-attempts")).toBe("2");
    expect(((await res.json()) as { object: string }).object).toBe("chat.completion");
  });

  it("moves on when a stream does not start in time", async () => {
    const res = await ask("m-hang", { ...fromEurope, "x-meridian-ttft-timeout-ms": "300" }, { stream: true });
    expect(res.status).toBe(200);
    expect(res.headers.get("x-meridian-origin")).toBe("hanging-far");
    expect(await res.text()).toContain("[DONE]");
  });

  it("answers 502 listing every attempt when no origin could answer", async () => {
    const res = await ask("m-dead");
    const err = await expectOpenAiError(res, 502);
    expect(err.code).toBe("upstream_unavailable");
    expect(err.attempts).toHaveLength(2);
    expect(err.attempts).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ origin: "dead-1", outcome: "network_error" }),
        expect.objectContaining({ origin: "dead-2", outcome: "http_error", status: 500 }),
      ]),
    );
    expect(err.message).toContain("dead-1");
  });

  it("answers 504 when every attempt timed out", async () => {
    const err = await expectOpenAiError(await ask("m-slow", { ...fromEurope, "x-meridian-timeout-ms": "200" }), 504);
    expect(err.code).toBe("upstream_timeout");
  });

  it("answers 503 when every origin for the model is draining, 404 for unknown models", async () => {
    await registerOrigin("draining", "healthy", { models: { "m-drain": "llama-8b" } });
    await adminJson("PATCH", "/origins/draining", { draining: true });
    expect((await expectOpenAiError(await ask("m-drain"), 503)).code).toBe("no_origin_available");
    expect((await expectOpenAiError(await ask("no-such-model"), 404)).code).toBe("model_not_found");
  });

  it("takes an origin's 404 for its own upstream model as the origin's failure: a 502, not the origin's answer", async () => {
    await registerOrigin("wrong-upstream", "healthy", { ...FRANKFURT, models: { "m-typo": "no-such-upstream-model" } });
    const err = await expectOpenAiError(await ask("m-typo"), 502);
    expect(err.code).toBe("upstream_unavailable");
    expect(err.message).toContain("wrong-upstream: 404");
  });
});
