// The cache keys an answer by the model that gives it, not by the name the
// client asked for: an alias, a route, an A/B arm or `auto` may lead the same
// name to another model from one request (or rules version) to the next, and
// a purge names the model that answered.
import { beforeAll, describe, expect, it } from "vitest";
import { unitHash } from "../../worker/rules/resolve";
import { adminJson, chat, newTenant, registerOrigin, userMessage } from "./helpers";

beforeAll(async () => {
  // Two models on two fleet members: an answer's id says which one wrote it.
  await registerOrigin("ck-origin-a", "healthy", { models: { "ck-a": "llama-8b" } });
  await registerOrigin("ck-origin-b", "healthy2", { models: { "ck-b": "llama-8b" } });
  await registerOrigin("ck-origin-dead", "dead", { models: { "ck-dead": "llama-8b" } });
}, 60_000); // the first admin calls of a cold runtime can be slow on a busy machine

interface Answer {
  cache: string | null;
  model: string | null;
  id: string;
}

async function ask(key: string, model: string, prompt: string, extra: Record<string, unknown> = {}, headers: Record<string, string> = {}): Promise<Answer> {
  const res = await chat(key, { model, messages: userMessage(prompt), temperature: 0, max_tokens: 8, ...extra }, { "x-meridian-hedge": "off", ...headers });
  expect(res.status).toBe(200);
  const body = (await res.json()) as { id: string };
  return { cache: res.headers.get("x-meridian-cache"), model: res.headers.get("x-meridian-model"), id: body.id };
}

/** Asks until the answer comes from the cache (entries are written after the answer is delivered). */
async function askUntilHit(key: string, model: string, prompt: string, extra: Record<string, unknown> = {}, headers: Record<string, string> = {}): Promise<Answer> {
  const deadline = Date.now() + 10_000;
  for (;;) {
    const answer = await ask(key, model, prompt, extra, headers);
    if (answer.cache?.startsWith("hit-")) return answer;
    if (Date.now() > deadline) throw new Error(`never a cache hit for ${model}: last ${JSON.stringify(answer)}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

async function tenantWithRules(rules: Record<string, unknown>): Promise<{ id: string; key: string }> {
  const tenant = await newTenant();
  await adminJson("PUT", `/tenants/${tenant.id}/rules`, rules);
  return tenant;
}

const aliasTo = (model: string, cache: Record<string, unknown> = { exact: true }) => ({ aliases: { fast: { targets: [{ model }] } }, cache });

describe("cache keys", () => {
  it("do not answer an alias moved to another model with the old model's answer", async () => {
    const { id, key } = await tenantWithRules(aliasTo("ck-a"));
    const first = await ask(key, "fast", "Name a river in Europe.");
    expect(first).toMatchObject({ cache: "miss", model: "ck-a" });
    expect((await askUntilHit(key, "fast", "Name a river in Europe.")).id).toBe(first.id);

    await adminJson("PUT", `/tenants/${id}/rules`, aliasTo("ck-b"));
    const moved = await ask(key, "fast", "Name a river in Europe.");
    expect(moved).toMatchObject({ cache: "miss", model: "ck-b" });
    expect(moved.id).not.toBe(first.id);
    expect((await askUntilHit(key, "fast", "Name a river in Europe.")).id).toBe(moved.id);
  });

  it("are purged by the model that answered, whatever name the client used", async () => {
    const { id, key } = await tenantWithRules(aliasTo("ck-a"));
    await ask(key, "fast", "Name a mountain in Asia.");
    await askUntilHit(key, "fast", "Name a mountain in Asia.");
    await adminJson("POST", `/tenants/${id}/cache/purge`, { model: "ck-b" });
    expect((await ask(key, "fast", "Name a mountain in Asia.")).cache).toBe("hit-exact");
    await adminJson("POST", `/tenants/${id}/cache/purge`, { model: "ck-a" });
    expect((await ask(key, "fast", "Name a mountain in Asia.")).cache).toBe("miss");
  });

  it("share one entry between an alias and the model it leads to", async () => {
    const { key } = await tenantWithRules(aliasTo("ck-a"));
    const direct = await ask(key, "ck-a", "Name a lake in Africa.");
    expect((await askUntilHit(key, "fast", "Name a lake in Africa.")).id).toBe(direct.id);
  });

  it("store a fallback's answer under the model that gave it", async () => {
    const { key } = await tenantWithRules({ aliases: { fast: { targets: [{ model: "ck-dead" }, { model: "ck-b" }] } }, cache: { exact: true } });
    const fellBack = await ask(key, "fast", "Name a desert in America.");
    expect(fellBack).toMatchObject({ cache: "miss", model: "ck-b" });
    expect((await askUntilHit(key, "ck-b", "Name a desert in America.")).id).toBe(fellBack.id);
  });

  it("keep a conditional route's model apart from the model the request named", async () => {
    const { key } = await tenantWithRules({
      routes: [{ name: "to-b", when: { header: { name: "x-cohort", equals: "b" } }, use: "ck-b" }],
      cache: { exact: true },
    });
    const plain = await ask(key, "ck-a", "Name an island in the Pacific.");
    await askUntilHit(key, "ck-a", "Name an island in the Pacific.");
    const routed = await ask(key, "ck-a", "Name an island in the Pacific.", {}, { "x-cohort": "b" });
    expect(routed).toMatchObject({ cache: "miss", model: "ck-b" });
    expect(routed.id).not.toBe(plain.id);
  });

  it("keep the arms of an A/B split apart", async () => {
    const route = { name: "ab", when: { model: "chat" }, split: [{ use: "ck-a", weight: 50 }, { use: "ck-b", weight: 50 }], sticky_by: "who" };
    const { key } = await tenantWithRules({ routes: [route], cache: { exact: true } });
    // One caller on each side of the split (the side is a hash of the route name and the caller).
    const sideOf = (who: string) => (unitHash(`ab\u0000${who}`) < 0.5 ? "ck-a" : "ck-b");
    const callers = Array.from({ length: 64 }, (_, i) => `caller-${i}`);
    const onA = callers.find((w) => sideOf(w) === "ck-a")!;
    const onB = callers.find((w) => sideOf(w) === "ck-b")!;

    const a = await ask(key, "chat", "Name a forest in Europe.", { metadata: { who: onA } });
    expect(a.model).toBe("ck-a");
    await askUntilHit(key, "chat", "Name a forest in Europe.", { metadata: { who: onA } });
    const b = await ask(key, "chat", "Name a forest in Europe.", { metadata: { who: onB } });
    expect(b).toMatchObject({ cache: "miss", model: "ck-b" });
  });

  it("keep the semantic index apart by model too", async () => {
    const semantic = { exact: false, semantic: true };
    const { id, key } = await tenantWithRules(aliasTo("ck-a", semantic));
    const first = await ask(key, "fast", "Which planet in the solar system is the largest one?");
    expect((await askUntilHit(key, "fast", "Which planet in the solar system is the largest one?")).cache).toBe("hit-semantic");
    await adminJson("PUT", `/tenants/${id}/rules`, aliasTo("ck-b", semantic));
    const moved = await ask(key, "fast", "Which planet in the solar system is the largest one?");
    expect(moved).toMatchObject({ cache: "miss", model: "ck-b" });
    expect(moved.id).not.toBe(first.id);
  });
});
