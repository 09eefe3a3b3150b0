import { env } from "cloudflare:workers";
import { beforeAll, describe, expect, it } from "vitest";
import { adminJson, chat, expectOpenAiError, fleet, readSse, registerOrigin, settle, trackedChat, userMessage } from "./helpers";

let key: string;
let other: string;
let tenantId: string;

async function cachedTenant(id: string, cache: Record<string, unknown>): Promise<string> {
  await adminJson("PUT", `/tenants/${id}`, { name: id });
  await adminJson("PUT", `/tenants/${id}/rules`, { cache });
  return (await adminJson<{ key: string }>("POST", `/tenants/${id}/keys`, {})).key;
}

// Tracked, so `settle()` can wait for the entry each answer leaves behind (it is written in waitUntil).
const ask = (k: string, content: string, extra: Record<string, unknown> = {}, headers: Record<string, string> = {}) =>
  trackedChat(k, { model: "llama-8b", messages: userMessage(content), temperature: 0, ...extra }, headers);

async function served(member: string): Promise<number> {
  return ((await (await fetch(`${fleet()[member]!.url}/_fleet/stats`)).json()) as { served: number }).served;
}

beforeAll(async () => {
  await registerOrigin("cache-origin", "healthy", { models: { "llama-8b": "llama-8b", "llama-1.5b": "llama-8b" } });
  tenantId = "cache-a";
  key = await cachedTenant(tenantId, { exact: true });
  other = await cachedTenant("cache-b", { exact: true });
});

describe("exact cache", () => {
  it("answers a repeated request from the cache with the same content", async () => {
    const first = await ask(key, "Name three primary colours.");
    expect(first.headers.get("x-meridian-cache")).toBe("miss");
    const original = await first.json();
    await settle();
    const second = await ask(key, "Name three primary colours.");
    expect(second.headers.get("x-meridian-cache")).toBe("hit-exact");
    expect(second.headers.get("x-meridian-origin")).toBeNull();
    expect(await second.json()).toEqual(original);
    // Key order does not matter; delivery fields do not either.
    const reordered = await trackedChat(key, { temperature: 0, messages: userMessage("Name three primary colours."), model: "llama-8b", user: "someone" });
    expect(reordered.headers.get("x-meridian-cache")).toBe("hit-exact");
  });

  it("replays a streamed answer chunk for chunk, and serves it to non-streaming clients too", async () => {
    const prompt = "Describe a lighthouse at night.";
    const original = await readSse(await ask(key, prompt, { stream: true, stream_options: { include_usage: true } }));
    await settle();
    const replay = await ask(key, prompt, { stream: true, stream_options: { include_usage: true } });
    expect(replay.headers.get("x-meridian-cache")).toBe("hit-exact");
    expect(replay.headers.get("content-type")).toMatch(/text\/event-stream/);
    expect((await readSse(replay)).events).toEqual(original.events);

    const text = original.events
      .filter((e) => e !== "[DONE]")
      .map((e) => JSON.parse(e).choices[0]?.delta?.content ?? "")
      .join("");
    const asJson = await ask(key, prompt);
    expect(asJson.headers.get("x-meridian-cache")).toBe("hit-exact");
    const body = (await asJson.json()) as { object: string; choices: { message: { content: string } }[]; usage: { completion_tokens: number } };
    expect(body.object).toBe("chat.completion");
    expect(body.choices[0]!.message.content).toBe(text);
    expect(body.usage.completion_tokens).toBeGreaterThan(0);
  });

  it("serves a streaming client from a non-streamed entry", async () => {
    const prompt = "List the planets of the solar system.";
    const original = (await (await ask(key, prompt)).json()) as { choices: { message: { content: string } }[] };
    await settle();
    const res = await ask(key, prompt, { stream: true });
    expect(res.headers.get("x-meridian-cache")).toBe("hit-exact");
    const { events } = await readSse(res);
    expect(events.at(-1)).toBe("[DONE]");
    const text = events.slice(0, -1).map((e) => JSON.parse(e).choices[0]?.delta?.content ?? "").join("");
    expect(text).toBe(original.choices[0]!.message.content);
    expect(events.some((e) => e.includes('"usage"'))).toBe(false);
  });

  it("keeps tenants and models apart", async () => {
    await (await ask(key, "What is a prime number?")).text();
    await settle();
    expect((await ask(key, "What is a prime number?")).headers.get("x-meridian-cache")).toBe("hit-exact");
    expect((await ask(other, "What is a prime number?")).headers.get("x-meridian-cache")).toBe("miss");
    expect((await ask(key, "What is a prime number?", { model: "llama-1.5b" })).headers.get("x-meridian-cache")).toBe("miss");
  });

  it("bypasses when asked, when sampling, with tools, and when the tenant has no cache", async () => {
    const prompt = "Give me a haiku about rain.";
    await (await ask(key, prompt)).text();
    await settle();
    const cases: [Record<string, unknown>, Record<string, string>][] = [
      [{}, { "x-meridian-cache": "bypass" }],
      [{}, { "cache-control": "no-store" }],
      [{ temperature: 0.7 }, {}],
      [{ temperature: undefined }, {}],
      [{ tools: [{ type: "function", function: { name: "f", parameters: {} } }] }, {}],
    ];
    for (const [extra, headers] of cases) {
      const res = await ask(key, prompt, extra, headers);
      expect(res.headers.get("x-meridian-cache"), JSON.stringify([extra, headers])).toBe("bypass");
      await res.text();
    }
    // Sampling with an explicit opt-in is cached.
    await (await ask(key, prompt, { temperature: 0.7 }, { "x-meridian-cache": "on" })).text();
    await settle();
    expect((await ask(key, prompt, { temperature: 0.7 }, { "x-meridian-cache": "on" })).headers.get("x-meridian-cache")).toBe("hit-exact");

    const plain = (await adminJson<{ key: string }>("POST", "/tenants/cache-b/keys", {})).key;
    await adminJson("PUT", "/tenants/cache-c", { name: "no cache" });
    const noCache = (await adminJson<{ key: string }>("POST", "/tenants/cache-c/keys", {})).key;
    expect((await ask(noCache, prompt)).headers.get("x-meridian-cache")).toBe("bypass");
    expect(plain).toBeTruthy();
  });

  it("lets a request set its entry's time to live", async () => {
    await (await ask(key, "How long is a piece of string?", {}, { "x-meridian-cache-ttl": "120" })).text();
    await settle();
    const now = Date.now() / 1000;
    const listed = await env.KV.list({ prefix: "cache:" });
    const expirations = listed.keys.map((k) => k.expiration ?? 0);
    expect(expirations.some((e) => e > now + 100 && e < now + 140)).toBe(true); // this one
    expect(expirations.some((e) => e > now + 3_000)).toBe(true); // the tenant default (one hour)
  });

  it("never stores errors or broken streams", async () => {
    await registerOrigin("cache-broken", "dropping", { models: { "m-cut": "llama-8b" } });
    await registerOrigin("cache-failing", "failing", { models: { "m-fail": "llama-8b" } });
    const cut = await ask(key, "Tell me about tides.", { model: "m-cut", stream: true });
    expect((await readSse(cut)).events.at(-1)).toContain("error");
    await expectOpenAiError(await ask(key, "Tell me about tides.", { model: "m-fail" }), 502);
    await settle();
    expect((await ask(key, "Tell me about tides.", { model: "m-cut", stream: true })).headers.get("x-meridian-cache")).toBe("miss");
    expect((await ask(key, "Tell me about tides.", { model: "m-fail" })).status).toBe(502);
  });

  it("is purged for a tenant, all of it or one model", async () => {
    await (await ask(key, "Define entropy.")).text();
    await (await ask(key, "Define entropy.", { model: "llama-1.5b" })).text();
    await settle();
    expect((await ask(key, "Define entropy.")).headers.get("x-meridian-cache")).toBe("hit-exact");

    await adminJson("POST", `/tenants/${tenantId}/cache/purge`, { model: "llama-1.5b" });
    expect((await ask(key, "Define entropy.")).headers.get("x-meridian-cache")).toBe("hit-exact");
    expect((await ask(key, "Define entropy.", { model: "llama-1.5b" })).headers.get("x-meridian-cache")).toBe("miss");

    const purge = await adminJson<{ generation: { all: number } }>("POST", `/tenants/${tenantId}/cache/purge`, {});
    expect(purge.generation.all).toBe(1);
    expect((await ask(key, "Define entropy.")).headers.get("x-meridian-cache")).toBe("miss");
  });
});

describe("coalescing", () => {
  it("sends identical concurrent misses to the origin once and streams the answer to all", async () => {
    await registerOrigin("counter", "cache-counter", { models: { "m-count": "llama-8b" } });
    const before = await served("cache-counter");
    const body = { model: "m-count", messages: userMessage("Explain photosynthesis briefly."), temperature: 0, stream: true, max_tokens: 30 };
    const responses = await Promise.all(Array.from({ length: 5 }, () => chat(key, body)));
    const streams = await Promise.all(responses.map((r) => readSse(r)));
    expect(await served("cache-counter")).toBe(before + 1);
    expect(responses.filter((r) => r.headers.get("x-meridian-coalesced") === "1")).toHaveLength(4);
    for (const s of streams) expect(s.events).toEqual(streams[0]!.events);
    expect(streams[0]!.events.at(-1)).toBe("[DONE]");
  });
});

describe("coalescing an error", () => {
  it("gives followers the leader's non-200 answer instead of leaving them waiting", async () => {
    await registerOrigin("typo-upstream", "cache-counter", { models: { "m-typo": "no-such-upstream-model" } });
    const body = { model: "m-typo", messages: userMessage("Anything at all."), temperature: 0 };
    const responses = await Promise.all(Array.from({ length: 3 }, () => chat(key, body)));
    // The origin's 404 for its own upstream model is its failure (a 502 for the leader): every follower hears the same.
    for (const res of responses) {
      expect(res.status).toBe(502);
      expect(((await res.json()) as { error: { code: string } }).error.code).toBe("upstream_unavailable");
    }
  });
});
