// A tenant's `models` list bounds what its keys may call. Names its rules
// choose (an alias, an auto model, a route's `use` or `split`) are allowed:
// whoever writes the rules decides where they lead. A route that only sets a
// policy chooses no name, so matching it must not open the list.
import { beforeAll, describe, expect, it } from "vitest";
import { adminJson, chat, expectOpenAiError, newTenant, registerOrigin, userMessage } from "./helpers";

beforeAll(async () => {
  await registerOrigin("allowed-origin", "healthy", { models: { "allowed-small": "llama-8b", "allowed-big": "llama-8b" } });
}, 60_000); // the first admin call of a cold runtime can be slow on a busy machine

const ask = (key: string, model: string, extra: Record<string, unknown> = {}, headers: Record<string, string> = {}) =>
  chat(key, { model, messages: userMessage("Say hello."), max_tokens: 4, ...extra }, { "x-meridian-hedge": "off", ...headers });

async function servedBy(res: Response): Promise<string | null> {
  expect(res.status).toBe(200);
  await res.arrayBuffer();
  return res.headers.get("x-meridian-model");
}

describe("allowed models", () => {
  it("are not widened by a matching route that only sets a policy", async () => {
    const { id, key } = await newTenant(["allowed-small"]);
    await adminJson("PUT", `/tenants/${id}/rules`, {
      routes: [
        { name: "batch", when: { metadata: { key: "tier", in: ["batch", "offline"] } }, policy: { kind: "cost" } },
        { name: "beta", when: { header: { name: "x-beta" } }, policy: { kind: "latency" } },
      ],
    });
    const viaMetadata = await expectOpenAiError(await ask(key, "allowed-big", { metadata: { tier: "batch" } }), 404);
    expect(viaMetadata).toMatchObject({ type: "not_found_error", code: "model_not_found" });
    const viaHeader = await expectOpenAiError(await ask(key, "allowed-big", {}, { "x-beta": "1" }), 404);
    expect(viaHeader.code).toBe("model_not_found");
    // The allowed model still takes the route (and its policy).
    const allowed = await ask(key, "allowed-small", { metadata: { tier: "batch" } });
    expect(allowed.headers.get("x-meridian-route")).toMatch(/^route batch -> allowed-small; cost;/);
    expect(await servedBy(allowed)).toBe("allowed-small");
  });

  it("still admit the names the rules choose: a route's use, a split, an alias", async () => {
    const { id, key } = await newTenant(["allowed-small"]);
    await adminJson("PUT", `/tenants/${id}/rules`, {
      aliases: { fast: { targets: [{ model: "allowed-big" }] } },
      routes: [
        { name: "upgrade", when: { metadata: { key: "tier", equals: "gold" } }, use: "allowed-big" },
        { name: "ab", when: { model: "allowed-small" }, split: [{ use: "allowed-big", weight: 1 }] },
      ],
    });
    expect(await servedBy(await ask(key, "fast"))).toBe("allowed-big");
    expect(await servedBy(await ask(key, "allowed-small"))).toBe("allowed-big");
    expect(await servedBy(await ask(key, "anything", { metadata: { tier: "gold" } }))).toBe("allowed-big");
    expect((await expectOpenAiError(await ask(key, "allowed-big"), 404)).code).toBe("model_not_found");
  });
});
