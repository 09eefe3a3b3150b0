// `model: "auto"` end to end: real wasm classification, the tenant's quality
// priors and feedback, real origins serving a cheap and a strong model.
import { env } from "cloudflare:workers";
import { beforeAll, describe, expect, it } from "vitest";
import shipped from "../../worker/auto/centroids.json";
import type { RulesDocument } from "../../worker/schemas/rules";
import { ADMIN_TOKEN, adminJson, chat, expectOpenAiError, fleet, newTenant, request, userMessage } from "./helpers";

const SMALL = "llama-1.5b";
const BIG = "llama-8b";

beforeAll(async () => {
  const origin = (member: string, model: string, price: { input_per_m: number; output_per_m: number }) =>
    adminJson("PUT", `/origins/auto-${model}`, { base_url: fleet()[member]!.baseUrl, region: "weur", lat: 50.1, lon: 8.7, models: { [model]: "llama-8b" }, price });
  await origin("healthy", SMALL, { input_per_m: 0.03, output_per_m: 0.06 });
  await origin("healthy2", BIG, { input_per_m: 0.2, output_per_m: 0.6 });
});

const autoRules = (strength: number, small: Record<string, number>, big = 0.95): RulesDocument => ({
  auto: { auto: { models: [{ model: SMALL, quality: small }, { model: BIG, quality: big }], floor: 0.7, prior_strength: strength } },
});
const SMALL_QUALITY = { chat: 0.9, extraction: 0.8, other: 0.75, summarization: 0.6, coding: 0.3, math: 0.25 };

async function tenantWith(rules: RulesDocument) {
  const t = await newTenant();
  await adminJson("PUT", `/tenants/${t.id}/rules`, rules);
  return t;
}

async function ask(key: string, prompt: string, headers: Record<string, string> = {}) {
  const res = await chat(key, { model: "auto", messages: userMessage(prompt), max_tokens: 8 }, { "x-meridian-hedge": "off", ...headers });
  expect(res.status).toBe(200);
  await res.arrayBuffer();
  return { model: res.headers.get("x-meridian-model"), cls: res.headers.get("x-meridian-class"), route: res.headers.get("x-meridian-route"), id: res.headers.get("x-request-id")! };
}

/** Share of `n` answers that came from `model`. */
async function share(key: string, prompt: string, model: string, n = 20, headers: Record<string, string> = {}) {
  let hits = 0;
  for (let i = 0; i < n; i++) if ((await ask(key, prompt, headers)).model === model) hits++;
  return hits / n;
}

const EASY = "hey! how's your day going?";
const CODING = "Write a thread-safe LRU cache in Go with per-entry TTL, using generics, and explain the locking strategy.\n```go\ntype Cache[K comparable, V any] struct {}\n```";
const MATH = "Solve for x and show every step: 3x^2 + 5x - 2 = 0, then compute the sum of the roots squared.";

describe("auto", () => {
  it("sends easy prompts to the cheap model and hard coding and maths prompts to the strong one, and says why", async () => {
    const { key } = await tenantWith(autoRules(100, SMALL_QUALITY));
    const easy = await ask(key, EASY);
    expect(easy).toMatchObject({ model: SMALL, cls: "chat" });
    expect(easy.route).toMatch(/auto auto -> class chat -> /);
    expect(await share(key, EASY, SMALL)).toBeGreaterThanOrEqual(0.9);

    const coding = await ask(key, CODING);
    expect(coding).toMatchObject({ model: BIG, cls: "coding" });
    expect(await share(key, CODING, BIG)).toBeGreaterThanOrEqual(0.9);
    const math = await ask(key, MATH);
    expect(math).toMatchObject({ model: BIG, cls: "math" });
  });

  it("moves traffic up when a request raises the quality floor", async () => {
    const { key } = await tenantWith(autoRules(100, { ...SMALL_QUALITY, chat: 0.8 }));
    expect(await share(key, EASY, SMALL)).toBeGreaterThanOrEqual(0.9);
    // EASY is easier than the average chat prompt (the difficulty model lifts 0.8 to about 0.86): a floor above that moves it up.
    expect(await share(key, EASY, BIG, 20, { "x-meridian-quality-floor": "0.95" })).toBeGreaterThanOrEqual(0.85);
    expect((await expectOpenAiError(await chat(key, { model: "auto", messages: userMessage("hi") }, { "x-meridian-quality-floor": "high" }), 400)).code).toBe("invalid_header");
  });

  it("moves a class away from a model after negative feedback, within a bounded number of requests", async () => {
    const { id, key } = await tenantWith(autoRules(10, SMALL_QUALITY));
    const models: string[] = [];
    for (let i = 0; i < 60 && !(models.length >= 5 && models.slice(-5).every((m) => m === BIG)); i++) {
      const answer = await ask(key, EASY);
      models.push(answer.model!);
      if (answer.model === SMALL) {
        const rated = await request("POST", "/v1/feedback", { body: { request_id: answer.id, rating: "down" }, headers: { authorization: `Bearer ${key}` } });
        expect([200, 202]).toContain(rated.status);
      }
      await new Promise((r) => setTimeout(r, 30)); // metering batches and the evidence refresh run in the background
    }
    expect(models.slice(-5)).toEqual([BIG, BIG, BIG, BIG, BIG]);
    expect(models.length).toBeLessThanOrEqual(40);
    const evidence = await env.TENANT.get(env.TENANT.idFromName(id)).qualityEvidence();
    const [good, bad] = evidence[SMALL]!.chat!;
    expect(bad!).toBeGreaterThan(good!);
  });

  it("takes feedback once per request, for the tenant's own requests only", async () => {
    const a = await tenantWith(autoRules(10, SMALL_QUALITY));
    const b = await newTenant();
    const answer = await ask(a.key, EASY);
    const rate = (key: string, body: unknown) => request("POST", "/v1/feedback", { body, headers: { authorization: `Bearer ${key}` } });

    // Another tenant naming A's request id only leaves a rating in its own object, which never matches.
    expect((await rate(b.key, { request_id: answer.id, rating: 0 })).status).toBe(202);
    const first = await rate(a.key, { request_id: answer.id, rating: 1 });
    expect(first.status === 200 || first.status === 202, String(first.status)).toBe(true);
    expect(await first.json()).toMatchObject({ object: "feedback", request_id: answer.id, rating: 1 });
    expect((await expectOpenAiError(await rate(a.key, { request_id: answer.id, rating: 0 }), 409)).code).toBe("already_rated");
    expect((await expectOpenAiError(await rate(a.key, { request_id: answer.id, rating: 2 }), 400)).code).toBe("invalid_value");
    expect((await expectOpenAiError(await rate(a.key, { rating: "up" }), 400)).code).toBe("invalid_value");
    const evidenceB = await env.TENANT.get(env.TENANT.idFromName(b.id)).qualityEvidence();
    expect(evidenceB).toEqual({});
  });

  it("classifies with the tenant's own centroids when its rules carry them, and checks them first", async () => {
    const onlyMath = { ...shipped, centroids: shipped.centroids.filter((c) => c.class === "math") as { class: "math"; vector: number[] }[] };
    const rules = autoRules(100, SMALL_QUALITY);
    const { key } = await tenantWith({ auto: { auto: { ...rules.auto!.auto!, centroids: onlyMath } } });
    expect(await ask(key, EASY)).toMatchObject({ cls: "math", model: BIG });

    const { id } = await newTenant();
    const stale = { ...shipped, feature_version: 0 };
    const res = await request("PUT", `/admin/v1/tenants/${id}/rules`, { body: { auto: { auto: { ...rules.auto!.auto!, centroids: stale } } }, headers: { authorization: `Bearer ${ADMIN_TOKEN}` } });
    const error = await expectOpenAiError(res, 400);
    expect((error.errors as { path: string }[]).map((e) => e.path)).toContain("auto.auto.centroids");
  });

  it("lists auto, the aliases and every model with its price", async () => {
    const { key } = await tenantWith({ ...autoRules(10, SMALL_QUALITY), aliases: { fast: { strategy: "ordered", targets: [{ model: SMALL }] } } });
    const res = await request("GET", "/v1/models", { headers: { authorization: `Bearer ${key}` } });
    const { data } = (await res.json()) as { data: { id: string; pricing: unknown; meridian?: { type: string } }[] };
    const byId = Object.fromEntries(data.map((m) => [m.id, m]));
    expect(byId.auto).toMatchObject({ pricing: null, meridian: { type: "auto", floor: 0.7, models: [{ id: SMALL, pricing: { input_per_m: 0.03, output_per_m: 0.06 } }, { id: BIG }] } });
    expect(byId.fast).toMatchObject({ pricing: { input_per_m: 0.03, output_per_m: 0.06 }, meridian: { type: "alias" } });
    expect(byId[BIG]).toMatchObject({ pricing: { input_per_m: 0.2, output_per_m: 0.6 } });
  });
});
