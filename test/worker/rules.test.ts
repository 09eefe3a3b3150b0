// Tenant routing rules end to end: versioned writes through the admin API,
// pickup by the request path, and the rules' effect on routing.
import { env } from "cloudflare:workers";
import { beforeAll, describe, expect, it } from "vitest";
import type { RulesDocument } from "../../worker/schemas/rules";
import { ADMIN_TOKEN, admin, adminJson, chat, CI_TOKEN, expectOpenAiError, fleet, newTenant, request, userMessage } from "./helpers";

// Two origins on the plain fleet members, each serving one public model, so a
// response's x-meridian-model shows where the rules sent it.
beforeAll(async () => {
  await adminJson("PUT", "/origins/rules-small", originOn("healthy", { small: "llama-8b" }));
  await adminJson("PUT", "/origins/rules-big", originOn("healthy2", { big: "llama-8b" }));
});

function originOn(member: string, models: Record<string, string>) {
  return { base_url: fleet()[member]!.baseUrl, region: "weur", lat: 50.1, lon: 8.7, models, price: { input_per_m: 0.1, output_per_m: 0.2 } };
}

const aliasTo = (model: string): RulesDocument => ({ aliases: { fast: { strategy: "ordered", targets: [{ model }] } } });
const putRules = (tenant: string, doc: unknown, headers: Record<string, string> = {}) =>
  request("PUT", `/admin/v1/tenants/${tenant}/rules`, { body: doc, headers: { authorization: `Bearer ${ADMIN_TOKEN}`, ...headers } });
const ask = (key: string, model = "fast", headers: Record<string, string> = {}) =>
  chat(key, { model, messages: userMessage("hello"), max_tokens: 4 }, { "x-meridian-hedge": "off", ...headers });

async function routed(key: string, model = "fast"): Promise<{ version: number; model: string | null }> {
  const res = await ask(key, model);
  expect(res.status).toBe(200);
  await res.arrayBuffer();
  return { version: Number(res.headers.get("x-meridian-rules-version")), model: res.headers.get("x-meridian-model") };
}

describe("rules versions", () => {
  it("starts every tenant at version 0, the empty document", async () => {
    const { id, key } = await newTenant();
    const res = await admin("GET", `/tenants/${id}/rules`);
    expect(res.headers.get("etag")).toBe('"0"');
    expect(await res.json()).toMatchObject({ object: "rules", version: 0, rules: {} });
    expect(await routed(key, "small")).toEqual({ version: 0, model: "small" });
  });

  it("routes by a pushed version at once, and echoes it", async () => {
    const { id, key } = await newTenant();
    const res = await putRules(id, aliasTo("small"));
    expect(res.status).toBe(200);
    expect(res.headers.get("etag")).toBe('"1"');
    expect(await routed(key)).toEqual({ version: 1, model: "small" });
  });

  it("picks up a version written elsewhere within a few checks, and never mixes versions within a request", async () => {
    const { id, key } = await newTenant();
    await putRules(id, aliasTo("small"));
    expect(await routed(key)).toEqual({ version: 1, model: "small" });

    // Written straight to the object, as an admin call in another PoP would: this isolate only learns of it by polling.
    const object = env.TENANT.get(env.TENANT.idFromName(id));
    const write = await object.putRules("elsewhere", aliasTo("big"), 1);
    expect(write.ok).toBe(true);

    const seen: { version: number; model: string | null }[] = [];
    const started = Date.now();
    while (seen.at(-1)?.version !== 2 && Date.now() - started < 10_000) {
      seen.push(await routed(key));
      await new Promise((r) => setTimeout(r, 20));
    }
    // RULES_CHECK_MS is 100 in tests: a handful of requests, not hundreds.
    expect(seen.at(-1)).toEqual({ version: 2, model: "big" });
    expect(seen.length).toBeLessThan(60);
    for (const s of seen) expect(s.model).toBe(s.version === 1 ? "small" : "big");
  });

  it("refuses a write based on a stale version with 412 and keeps the current one", async () => {
    const { id, key } = await newTenant();
    await putRules(id, aliasTo("small"));
    await putRules(id, aliasTo("big"), { "if-match": '"1"' });
    const stale = await putRules(id, aliasTo("small"), { "if-match": '"1"' });
    const error = await expectOpenAiError(stale, 412);
    expect(error.code).toBe("rules_version_conflict");
    expect(error.current_version).toBe(2);
    expect(stale.headers.get("etag")).toBe('"2"');
    expect(await routed(key)).toEqual({ version: 2, model: "big" });

    const fresh = await putRules(id, aliasTo("small"), { "if-match": '"2"' });
    expect(fresh.status).toBe(200);
    expect((await fresh.json()) as { version: number }).toMatchObject({ version: 3 });
    expect(await expectOpenAiError(await putRules(id, {}, { "if-match": "yesterday" }), 400)).toMatchObject({ code: "invalid_header" });
  });

  it("rejects an invalid document with field-level errors, and the previous version stays in force", async () => {
    const { id, key } = await newTenant();
    await putRules(id, aliasTo("small"));
    const bad = await putRules(id, {
      aliases: { fast: { strategy: "weighted", targets: [{ model: "big", pool: "gpus" }] } },
      policy: { kind: "pinned" },
      retries: { max_attempts: 99 },
    });
    const error = await expectOpenAiError(bad, 400);
    const paths = (error.errors as { path: string; message: string }[]).map((e) => e.path);
    expect(paths).toEqual(expect.arrayContaining(["retries.max_attempts", "aliases.fast.targets[0].pool", "aliases.fast.targets[0].weight", "policy.pin"]));
    expect(error.message).toMatch(/^Invalid rules\./);

    expect((await adminJson<{ version: number }>("GET", `/tenants/${id}/rules`)).version).toBe(1);
    expect(await routed(key)).toEqual({ version: 1, model: "small" });
  });

  it("rolls back to an earlier version as a new version, and keeps the history", async () => {
    const { id, key } = await newTenant();
    await putRules(id, aliasTo("small"));
    await putRules(id, aliasTo("big"));
    expect(await routed(key)).toEqual({ version: 2, model: "big" });

    const back = await adminJson<{ version: number; rolled_back_to: number; rules: RulesDocument }>("POST", `/tenants/${id}/rules/rollback`, { version: 1, note: "big is flaky" });
    expect(back).toMatchObject({ version: 3, rolled_back_to: 1, rules: aliasTo("small"), note: "big is flaky" });
    expect(await routed(key)).toEqual({ version: 3, model: "small" });

    const history = await adminJson<{ data: { version: number; rolled_back_to?: number }[] }>("GET", `/tenants/${id}/rules/history`);
    expect(history.data.map((v) => v.version)).toEqual([3, 2, 1, 0]);
    const page = await adminJson<{ data: { version: number }[] }>("GET", `/tenants/${id}/rules/history?limit=2&before=3`);
    expect(page.data.map((v) => v.version)).toEqual([2, 1]);

    expect((await expectOpenAiError(await admin("POST", `/tenants/${id}/rules/rollback`, { version: 42 }), 404)).code).toBe("rules_version_not_found");
    // Version 0, the empty document, is a valid target too.
    expect(await adminJson("POST", `/tenants/${id}/rules/rollback`, { version: 0 })).toMatchObject({ version: 4, rolled_back_to: 0, rules: {} });
    expect(await routed(key, "small")).toEqual({ version: 4, model: "small" });
  });

  it("answers 404 for the rules of a tenant that does not exist", async () => {
    expect((await expectOpenAiError(await admin("GET", "/tenants/nobody-here/rules"), 404)).code).toBe("tenant_not_found");
    expect((await expectOpenAiError(await putRules("nobody-here", {}), 404)).code).toBe("tenant_not_found");
  });
});

describe("rules in routing", () => {
  it("lets a tenant call its own aliases even with a model allow-list", async () => {
    const { id, key } = await newTenant(["small"]);
    expect((await ask(key, "big")).status).toBe(404);
    await putRules(id, { aliases: { fast: { targets: [{ model: "big" }] } } });
    expect(await routed(key)).toMatchObject({ model: "big" });
  });

  it("fails over down an ordered alias to the next model", async () => {
    await adminJson("PUT", "/origins/rules-dead", { ...originOn("healthy", { doomed: "llama-8b" }), base_url: fleet().dead!.baseUrl });
    const { id, key } = await newTenant();
    await putRules(id, { aliases: { fast: { targets: [{ model: "doomed" }, { model: "small" }] } } });
    const res = await ask(key);
    expect(res.status).toBe(200);
    expect(res.headers.get("x-meridian-model")).toBe("small");
    expect(res.headers.get("x-meridian-attempts")).toBe("2");
    expect(res.headers.get("x-meridian-route")).toMatch(/^alias fast -> doomed; /);
  });

  it("restricts a target to its pool's origins", async () => {
    await adminJson("PUT", "/origins/rules-both-a", originOn("healthy", { both: "llama-8b" }));
    await adminJson("PUT", "/origins/rules-both-b", originOn("healthy2", { both: "llama-8b" }));
    const { id, key } = await newTenant();
    await putRules(id, { pools: { b: ["rules-both-b"] }, aliases: { fast: { targets: [{ model: "both", pool: "b" }] } } });
    for (let i = 0; i < 5; i++) {
      const res = await ask(key);
      await res.arrayBuffer();
      expect(res.headers.get("x-meridian-origin")).toBe("rules-both-b");
    }
  });

  it("routes by header and by metadata conditions", async () => {
    const { id, key } = await newTenant();
    await putRules(id, {
      routes: [
        { name: "beta", when: { model: "chat", header: { name: "x-cohort", equals: "beta" } }, use: "big" },
        { name: "vip", when: { model: "chat", metadata: { key: "plan", equals: "vip" } }, use: "big" },
        { name: "default", when: { model: "chat" }, use: "small" },
      ],
    });
    const beta = await ask(key, "chat", { "x-cohort": "beta" });
    expect([beta.headers.get("x-meridian-model"), beta.headers.get("x-meridian-route")?.split(";")[0]]).toEqual(["big", "route beta -> big"]);
    const vip = await chat(key, { model: "chat", messages: userMessage("hi"), max_tokens: 4, metadata: { plan: "vip" } });
    expect(vip.headers.get("x-meridian-model")).toBe("big");
    expect((await ask(key, "chat")).headers.get("x-meridian-model")).toBe("small");
  });

  it("applies the tenant's retry limit", async () => {
    const { id, key } = await newTenant();
    await putRules(id, { retries: { max_attempts: 1 }, policy: { kind: "pinned", pin: ["rules-dead", "rules-small"] }, aliases: { fast: { targets: [{ model: "doomed" }, { model: "small" }] } } });
    const res = await ask(key);
    const error = await expectOpenAiError(res, 502);
    expect((error.attempts as unknown[]).length).toBe(1);
  });

  it("turns the cache on from the rules", async () => {
    const { id, key } = await newTenant();
    await putRules(id, { cache: { exact: true } });
    const body = { model: "small", messages: userMessage("cache me by rule"), max_tokens: 4, temperature: 0 };
    const first = await chat(key, body);
    expect(first.headers.get("x-meridian-cache")).toBe("miss");
    await first.arrayBuffer();
    let hit: string | null = null;
    for (let i = 0; i < 50 && hit !== "hit-exact"; i++) {
      await new Promise((r) => setTimeout(r, 20));
      const again = await chat(key, body);
      await again.arrayBuffer();
      hit = again.headers.get("x-meridian-cache");
    }
    expect(hit).toBe("hit-exact");
  });

  it("keeps data residency: a request cannot widen the tenant's regions", async () => {
    const { id, key } = await newTenant();
    await putRules(id, { constraints: { regions: ["apac"] } });
    const res = await ask(key, "small", { "x-meridian-regions": "weur" });
    expect((await expectOpenAiError(res, 503)).code).toBe("no_origin_available");
  });
});

describe("audit log", () => {
  it("records every admin write with the token's label and the resulting rules version", async () => {
    const { id } = await newTenant();
    await putRules(id, aliasTo("small"));
    await putRules(id, aliasTo("big"), { authorization: `Bearer ${CI_TOKEN}` });
    await adminJson("POST", `/tenants/${id}/rules/rollback`, { version: 1 });
    await adminJson("POST", `/tenants/${id}/cache/purge`, {});
    const log = await adminJson<{ data: { seq: number; actor: string; action: string; rules_version: number; detail: Record<string, unknown> }[] }>("GET", `/tenants/${id}/audit`);
    const rows = log.data.map((e) => [e.actor, e.action, e.rules_version]);
    expect(rows).toEqual([
      ["admin", "cache.purge", 3],
      ["admin", "rules.rollback", 3],
      ["ci", "rules.put", 2],
      ["admin", "rules.put", 1],
      ["admin", "key.create", 0],
      ["admin", "tenant.create", 0],
    ]);
    expect(log.data[1]!.detail).toEqual({ from_version: 2, to_version: 1 });
    const older = await adminJson<{ data: { seq: number }[] }>("GET", `/tenants/${id}/audit?limit=2&before=${log.data[1]!.seq}`);
    expect(older.data.map((e) => e.seq)).toEqual([log.data[2]!.seq, log.data[3]!.seq]);
    expect((await expectOpenAiError(await admin("GET", `/tenants/${id}/audit?limit=0`), 400)).code).toBe("invalid_query");
  });
});
