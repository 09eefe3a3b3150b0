// The cache measuring its own precision, end to end in workerd: real Tenant
// objects, real KV, the real usage queue and a real local origin. A shadow
// call (a near-duplicate hit also answered by the origin) that disagrees is
// counted and tightens the tenant's cut; a thumbs-down evicts the entry that
// answered and counts as a wrong hit; another tenant's request id evicts nothing.
import { runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { beforeAll, describe, expect, it } from "vitest";
import { entries } from "../../worker/cache/lookup-or-send";
import type { CachePrecisionReport } from "../../worker/cache/precision-report";
import { admin, adminJson, expectOpenAiError, newTenant, registerOrigin, request, settle, trackedChat, trackedRequest, userMessage } from "./helpers";

type Precision = CachePrecisionReport;
interface Usage {
  totals: { requests: number; cache_hits: number; cost_usd: number };
  cache_precision: Precision;
}

const ask = (key: string, prompt: string, headers: Record<string, string> = {}) => trackedChat(key, { model: "llama-8b", messages: userMessage(prompt), temperature: 0, seed: 7 }, headers);
const rate = (key: string, requestId: string, rating: unknown) => request("POST", "/v1/feedback", { body: { request_id: requestId, rating }, headers: { authorization: `Bearer ${key}` } });
const usage = (tenantId: string) => adminJson<Usage>("GET", `/tenants/${tenantId}/usage`);

/** Asks, reads the answer, waits for its background work; returns how the cache answered and the request id. */
async function asked(key: string, prompt: string): Promise<{ cache: string | null; id: string; similarity: number | null; content: string }> {
  const res = await ask(key, prompt);
  const body = (await res.json()) as { choices: { message: { content: string } }[] };
  await settle();
  const similarity = res.headers.get("x-meridian-similarity");
  return { cache: res.headers.get("x-meridian-cache"), id: res.headers.get("x-request-id")!, similarity: similarity === null ? null : Number(similarity), content: body.choices[0]!.message.content };
}

/** Polls the tenant's usage read-out until `done` holds (metering runs through the queue). */
async function usageWhen(tenantId: string, done: (u: Usage) => boolean): Promise<Usage> {
  let last: Usage | null = null;
  for (let i = 0; i < 100; i++) {
    last = await usage(tenantId);
    if (done(last)) return last;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`usage never got there: ${JSON.stringify(last?.cache_precision)}`);
}

/** Lets the isolate's background rules poll (RULES_CHECK_MS) bring the object's current cut. */
async function pollRules(key: string): Promise<void> {
  await new Promise((r) => setTimeout(r, 150));
  await (await trackedRequest("GET", "/v1/models", { headers: { authorization: `Bearer ${key}` } })).text();
  await settle();
}

async function cachedTenant(cache: Record<string, unknown>): Promise<{ id: string; key: string }> {
  const t = await newTenant();
  await adminJson("PUT", `/tenants/${t.id}/rules`, { cache: { exact: true, semantic: true, ...cache } });
  return t;
}

beforeAll(async () => {
  await registerOrigin("shadow-origin", "healthy");
  // At a real GPU's pace (several ms per token): an answer from it takes a while.
  await registerOrigin("shadow-paced", "paced", { models: { "paced-8b": "llama-8b" } });
});

describe("shadow verification", () => {
  it("counts a wrong near-duplicate hit the origin contradicts, tightens the tenant's cut, and the near-duplicate then misses", async () => {
    const { id, key } = await cachedTenant({ verify_share: 1 });
    expect((await asked(key, "Write a short poem about autumn leaves.")).cache).toBe("miss");
    const hit = await asked(key, "Please write a short poem about autumn leaves.");
    expect(hit.cache).toBe("hit-semantic");
    expect(hit.similarity).toBeLessThan(0.99);

    // The imitation origin answers every prompt with its own text: the shadow call disagrees.
    const after = await usageWhen(id, (u) => u.cache_precision.verified >= 1);
    expect(after.cache_precision).toMatchObject({ verified: 1, agree: 0, disagree: 1, precision: 0, target: 0.99 });
    expect(after.cache_precision.wilson_high).toBeLessThan(0.99);
    expect(after.cache_precision.threshold.tightened).toBeGreaterThan(hit.similarity!);
    expect(after.cache_precision.threshold.effective).toBe(after.cache_precision.threshold.tightened);
    // The operator pays for the shadow call; the tenant is billed only for its own two requests.
    expect(after.cache_precision.shadow.calls).toBe(1);
    expect(after.cache_precision.shadow.output_tokens).toBeGreaterThan(0);
    expect(after.cache_precision.shadow.operator_cost_usd).toBeGreaterThan(0);
    expect(after.totals.requests).toBe(2);
    expect(after.totals.cache_hits).toBe(1);

    // Once the isolate has heard of the new cut, the same near-duplicate goes to the origin.
    await pollRules(key);
    expect((await asked(key, "Write a short poem about the autumn leaves.")).cache).toBe("miss");
    // The exact prompt still hits: the cut concerns near-duplicates only.
    expect((await asked(key, "Write a short poem about autumn leaves.")).cache).toBe("hit-exact");

    // The audit log says when and how far the cut moved.
    const audit = await adminJson<{ data: { action: string; detail: { to: number } }[] }>("GET", `/tenants/${id}/audit`);
    expect(audit.data.find((e) => e.action === "cache.tighten")?.detail.to).toBe(after.cache_precision.threshold.tightened);
  });

  it("gives a wrong hit's request the origin's answer as its own entry, so that prompt is answered right next time", async () => {
    const { id, key } = await cachedTenant({ verify_share: 1 });
    const original = await asked(key, "Can you describe the water cycle?");
    const hit = await asked(key, "Describe the water cycle.");
    expect(hit).toMatchObject({ cache: "hit-semantic", content: original.content });
    expect(hit.similarity).toBeGreaterThan(0.99); // the same content words: as sure as the verifier gets
    await usageWhen(id, (u) => u.cache_precision.disagree >= 1);
    const corrected = await asked(key, "Describe the water cycle.");
    expect(corrected.cache).toBe("hit-exact");
    expect(corrected.content).not.toBe(original.content);
  });

  it("counts a shadow call it cannot judge as unsure: no verdict, no tightening, still the operator's cost", async () => {
    const { id, key } = await cachedTenant({ verify_share: 1 });
    const noSeed = (prompt: string) => trackedChat(key, { model: "llama-8b", messages: userMessage(prompt), temperature: 0 });
    await (await noSeed("Describe a quiet walk through the forest.")).text();
    await settle();
    const hit = await noSeed("Please describe a quiet walk through the forest.");
    expect(hit.headers.get("x-meridian-cache")).toBe("hit-semantic");
    await hit.text();
    await settle();
    // The imitation origin's answers are strings of common words: by meaning, neither clearly apart nor together.
    const u = await usageWhen(id, (x) => x.cache_precision.shadow.calls >= 1);
    expect(u.cache_precision).toMatchObject({ verified: 0, unsure: 1, precision: null, threshold: { tightened: null } });
  });

  it("gives the client its cached answer without waiting for the shadow call", async () => {
    const { id, key } = await cachedTenant({ verify_share: 1 });
    const timed = async (prompt: string) => {
      const start = performance.now();
      const res = await trackedChat(key, { model: "paced-8b", messages: userMessage(prompt), temperature: 0, seed: 3 });
      await res.text();
      return { ms: performance.now() - start, cache: res.headers.get("x-meridian-cache") };
    };
    const miss = await timed("Write a short story about a brave knight.");
    await settle();
    const hit = await timed("Please write a short story about a brave knight.");
    expect(hit.cache).toBe("hit-semantic");
    expect(miss.ms).toBeGreaterThan(100);
    expect(hit.ms).toBeLessThan(miss.ms / 2);
    await settle(); // the shadow call, a whole origin answer, finishes after the client was answered
    expect((await usageWhen(id, (u) => u.cache_precision.shadow.calls >= 1)).cache_precision.disagree).toBe(1);
  });

  it("sends nothing to the origin at verify_share 0", async () => {
    const { id, key } = await cachedTenant({ verify_share: 0 });
    await asked(key, "Can you describe the water cycle?");
    expect((await asked(key, "Describe the water cycle.")).cache).toBe("hit-semantic");
    const u = await usageWhen(id, (x) => x.totals.requests >= 2);
    await new Promise((r) => setTimeout(r, 200));
    expect((await usage(id)).cache_precision).toMatchObject({ verified: 0, precision: null, shadow: { calls: 0 }, threshold: { tightened: null } });
    expect(u.totals.cache_hits).toBe(1);
  });
});

describe("thumbs-down on a cached answer", () => {
  it("evicts the entry that answered (the next request goes to the origin) and counts as a wrong hit", async () => {
    const { id, key } = await cachedTenant({ verify_share: 0 });
    const original = await asked(key, "Why is the sky blue?");
    expect(original.cache).toBe("miss");
    const hit = await asked(key, "Could you tell me why the sky is blue?");
    expect(hit.cache).toBe("hit-semantic");
    await usageWhen(id, (u) => u.totals.cache_hits >= 1); // the hit's usage record names its entry to the object

    const rated = await rate(key, hit.id, "down");
    expect([200, 202]).toContain(rated.status);
    expect(await rated.json()).toMatchObject({ object: "feedback", rating: 0, cache_evicted: true });

    // The entry is gone: even the exact original prompt goes to the origin now.
    expect((await asked(key, "Why is the sky blue?")).cache).toBe("miss");
    const u = await usage(id);
    expect(u.cache_precision).toMatchObject({ thumbs_down: 1, precision: 0 });
    expect(u.cache_precision.threshold.tightened).toBeGreaterThan(hit.similarity!);
  });

  it("evicts an exact hit rated down, counted apart from near-duplicate precision", async () => {
    const { id, key } = await cachedTenant({ verify_share: 0, semantic: false });
    await asked(key, "What is the tallest mountain in Africa?");
    const hit = await asked(key, "What is the tallest mountain in Africa?");
    expect(hit.cache).toBe("hit-exact");
    await usageWhen(id, (u) => u.totals.cache_hits >= 1);
    expect(await (await rate(key, hit.id, 0)).json()).toMatchObject({ cache_evicted: true });
    expect((await asked(key, "What is the tallest mountain in Africa?")).cache).toBe("miss");
    expect((await usage(id)).cache_precision).toMatchObject({ exact_thumbs_down: 1, thumbs_down: 0, precision: null, threshold: { tightened: null } });
  });

  it("applies a thumbs-down that arrives before the hit's usage record, when the record arrives", async () => {
    const { id, key } = await cachedTenant({ verify_share: 0, semantic: false });
    await asked(key, "Name the largest moon of Saturn.");
    // Rated at once, before the queue has brought the hit's record to the object.
    const res = await ask(key, "Name the largest moon of Saturn.");
    const requestId = res.headers.get("x-request-id")!;
    expect(res.headers.get("x-meridian-cache")).toBe("hit-exact");
    await res.text();
    // Usually the record is still on its way (then the object evicts when it arrives); on a slow machine it may have landed.
    const rated = (await (await rate(key, requestId, "down")).json()) as { cache_evicted: boolean };
    expect(typeof rated.cache_evicted).toBe("boolean");
    await settle();
    await usageWhen(id, (u) => u.cache_precision.exact_thumbs_down === 1);
    expect((await asked(key, "Name the largest moon of Saturn.")).cache).toBe("miss");
  });

  it("reaches the copies other points of presence and isolates hold, with their rules poll", async () => {
    const { id, key } = await cachedTenant({ verify_share: 0, semantic: false });
    await asked(key, "Which planet has the most moons?");
    const hit = await asked(key, "Which planet has the most moons?");
    expect(hit.cache).toBe("hit-exact");
    await usageWhen(id, (u) => u.totals.cache_hits >= 1);
    await pollRules(key); // this isolate has heard the tenant's (empty) eviction list

    // The thumbs-down lands elsewhere: there, the object names the entry and that isolate deletes it from KV.
    const object = env.TENANT.get(env.TENANT.idFromName(id));
    const cacheKey = await runInDurableObject(object, (_i, state) => state.storage.sql.exec<{ cache_key: string }>(`SELECT cache_key FROM cache_hits WHERE request_id = ?`, hit.id).one().cache_key);
    await object.feedback(hit.id, 0);
    expect(await object.cacheFeedback(hit.id, 0)).toEqual({ evict: cacheKey });
    await env.KV.delete(`cache:${cacheKey}`);
    expect(await entries.get(env.KV, cacheKey, () => {})).not.toBeNull(); // here, memory and the Cache API still hold it

    await pollRules(key);
    expect(await entries.get(env.KV, cacheKey, () => {})).toBeNull();
    expect((await asked(key, "Which planet has the most moons?")).cache).toBe("miss");
  });

  it("never lets another tenant's rating, a thumbs-up or a hostile id evict anything", async () => {
    const a = await cachedTenant({ verify_share: 0 });
    const b = await cachedTenant({ verify_share: 0 });
    await asked(a.key, "How many bones are in the human body?");
    const hit = await asked(a.key, "How many bones are in the human body?");
    expect(hit.cache).toBe("hit-exact");
    await usageWhen(a.id, (u) => u.totals.cache_hits >= 1);

    // B names A's request id: its own object knows no such hit.
    expect(await (await rate(b.key, hit.id, "down")).json()).toMatchObject({ cache_evicted: false });
    for (const hostile of ["__proto__", "constructor", "' OR 1=1 --", "x".repeat(128)]) {
      const res = await rate(a.key, hostile, "down");
      expect([200, 202], hostile).toContain(res.status);
      expect(await res.json()).toMatchObject({ cache_evicted: false });
    }
    expect((await asked(a.key, "How many bones are in the human body?")).cache).toBe("hit-exact");
    // A thumbs-up of a cached answer evicts nothing either.
    const again = await asked(a.key, "How many bones are in the human body?");
    await usageWhen(a.id, (u) => u.totals.cache_hits >= 3);
    expect(await (await rate(a.key, again.id, "up")).json()).toMatchObject({ cache_evicted: false });
    expect((await asked(a.key, "How many bones are in the human body?")).cache).toBe("hit-exact");
    expect((await usage(a.id)).cache_precision).toMatchObject({ thumbs_down: 0, exact_thumbs_down: 0 });
    expect((await usage(b.id)).cache_precision).toMatchObject({ thumbs_down: 0, exact_thumbs_down: 0 });
  });
});

describe("cache settings", () => {
  it("refuses hostile verify_share and precision_target values with an OpenAI-shaped 400", async () => {
    const { id } = await newTenant();
    const put = (body: string) => request("PUT", `/admin/v1/tenants/${id}/rules`, { body, headers: { authorization: "Bearer test-admin-token-0123456789abcdefghij" } });
    const bad = [
      `{"cache":{"exact":true,"verify_share":NaN}}`,
      `{"cache":{"exact":true,"verify_share":"1e999"}}`,
      `{"cache":{"exact":true,"verify_share":1e999}}`,
      `{"cache":{"exact":true,"verify_share":-0.01}}`,
      `{"cache":{"exact":true,"verify_share":1.5}}`,
      `{"cache":{"exact":true,"verify_share":"0.5"}}`,
      `{"cache":{"exact":true,"verify_share":null}}`,
      `{"cache":{"exact":true,"precision_target":1}}`,
      `{"cache":{"exact":true,"precision_target":0.2}}`,
      `{"cache":{"exact":true,"precision_target":"Infinity"}}`,
      `{"cache":{"exact":true,"__proto__":{"verify_share":1}}}`,
    ];
    for (const body of bad) await expectOpenAiError(await put(body), 400);
    const ok = await put(`{"cache":{"exact":true,"semantic":true,"verify_share":0.05,"precision_target":0.995}}`);
    expect(ok.status).toBe(200);
    const rules = await (await admin("GET", `/tenants/${id}/rules`)).json();
    expect(rules).toMatchObject({ rules: { cache: { verify_share: 0.05, precision_target: 0.995 } } });
  });
});
