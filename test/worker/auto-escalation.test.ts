// `auto`'s escalation end to end: a cheap model whose non-streamed answer is
// a refusal or cut short is retried on the strong model before the client
// sees it, and the request is metered as two calls.
import { env } from "cloudflare:workers";
import { beforeAll, describe, expect, it } from "vitest";
import type { RulesDocument } from "../../worker/schemas/rules";
import { admin, adminJson, chat, fleet, newTenant, request, userMessage } from "./helpers";
import { usageWhen } from "./usage-helpers";

const REFUSING = "esc-refusing";
const TRUNCATING = "esc-truncating";
const STRONG = "esc-strong";

beforeAll(async () => {
  const origin = (member: string, model: string, price: { input_per_m: number; output_per_m: number }) =>
    adminJson("PUT", `/origins/${model}`, { base_url: fleet()[member]!.baseUrl, region: "weur", lat: 50.1, lon: 8.7, models: { [model]: "llama-8b" }, price });
  await origin("refusing", REFUSING, { input_per_m: 0.03, output_per_m: 0.06 });
  await origin("truncating", TRUNCATING, { input_per_m: 0.03, output_per_m: 0.06 });
  await origin("healthy2", STRONG, { input_per_m: 0.2, output_per_m: 0.6 });
});

/** The cheap model always meets the (low) floor, the strong one is expected to be better. */
const rules = (cheap: string, escalate?: { on: boolean }): RulesDocument => ({
  auto: { auto: { models: [{ model: cheap, quality: 0.95 }, { model: STRONG, quality: 0.99 }], floor: 0.3, prior_strength: 1000, ...(escalate ? { escalate } : {}) } },
});

async function tenantWith(r: RulesDocument) {
  const t = await newTenant();
  await adminJson("PUT", `/tenants/${t.id}/rules`, r);
  return t;
}

const EASY = "hey! how's your day going?";

async function ask(key: string, extra: Record<string, unknown> = {}) {
  const res = await chat(key, { model: "auto", messages: userMessage(EASY), ...extra }, { "x-meridian-hedge": "off" });
  expect(res.status).toBe(200);
  const route = res.headers.get("x-meridian-route") ?? "";
  const model = res.headers.get("x-meridian-model");
  const id = res.headers.get("x-request-id")!;
  if (extra.stream) return { model, route, id, content: await res.text() };
  const body = (await res.json()) as { choices: { message: { content: string }; finish_reason: string }[] };
  return { model, route, id, content: body.choices[0]!.message.content, finish: body.choices[0]!.finish_reason };
}

describe("auto escalation", () => {
  it("retries a refusal on the strong model, meters two calls, and credits a rating to the model that answered", async () => {
    const { id, key } = await tenantWith(rules(REFUSING));
    const answer = await ask(key);
    expect(answer.model).toBe(STRONG);
    expect(answer.route).toContain(`escalated (refusal) from ${REFUSING}`);
    expect(answer.content).not.toMatch(/sorry/i);
    const usage = await usageWhen(key, (u) => u.totals.requests >= 2);
    expect(usage.totals.requests).toBe(2);
    expect(usage.data.map((r) => [r.model, r.requests]).sort()).toEqual([
      [REFUSING, 1],
      [STRONG, 1],
    ]);

    const rated = await request("POST", "/v1/feedback", { body: { request_id: answer.id, rating: "down" }, headers: { authorization: `Bearer ${key}` } });
    expect([200, 202]).toContain(rated.status);
    await rated.arrayBuffer();
    const evidence = await env.TENANT.get(env.TENANT.idFromName(id)).qualityEvidence();
    expect(evidence[STRONG]?.chat?.[1]).toBeGreaterThan(0);
    expect(evidence[REFUSING]).toBeUndefined();
  });

  it("retries an answer cut short only when the client set no cap", async () => {
    const { key } = await tenantWith(rules(TRUNCATING));
    const cut = await ask(key);
    expect(cut.model).toBe(STRONG);
    expect(cut.route).toContain("escalated (truncated)");
    expect(cut.finish).toBe("stop");

    const capped = await ask(key, { max_tokens: 8 });
    expect(capped.model).toBe(TRUNCATING);
    expect(capped.finish).toBe("length");
    const usage = await usageWhen(key, (u) => u.totals.requests >= 3);
    expect(usage.data.map((r) => [r.model, r.requests]).sort()).toEqual([
      [STRONG, 1],
      [TRUNCATING, 2],
    ]);
  });

  it("leaves the cheap answer alone when the tenant turned escalation off, and never touches streams", async () => {
    const off = await tenantWith(rules(REFUSING, { on: false }));
    const kept = await ask(off.key);
    expect(kept.model).toBe(REFUSING);
    expect(kept.content).toBe("I'm sorry, but I can't help with that.");

    const on = await tenantWith(rules(REFUSING));
    const streamed = await ask(on.key, { stream: true });
    expect(streamed.model).toBe(REFUSING);
    expect(streamed.route).not.toContain("escalated");
    const usage = await usageWhen(on.key, (u) => u.totals.requests >= 1);
    expect(usage.totals.requests).toBe(1);
  });

  it("refuses a malformed escalate rule with a 400 naming it", async () => {
    const { id } = await newTenant();
    const hostile = ['{"on":"yes"}', '{"on":true,"min_mean_logprob":1}', '{"on":true,"min_mean_logprob":-1e308}', '{"on":true,"__proto__":{"on":false}}', '{"on":true,"constructor":1}'];
    for (const escalate of hostile.map((t) => JSON.parse(t) as unknown)) {
      const res = await admin("PUT", `/tenants/${id}/rules`, { auto: { auto: { models: [{ model: STRONG }], escalate } } });
      expect(res.status, JSON.stringify(escalate)).toBe(400);
      expect(((await res.json()) as { error: { type: string } }).error.type).toBe("invalid_request_error");
    }
  });
});
