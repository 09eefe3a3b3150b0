// Rate limits end to end: real workerd, real Tenant objects, a real origin.
// Each test gets a fresh tenant, so buckets never carry over between tests.
import { env } from "cloudflare:workers";
import { beforeAll, describe, expect, it } from "vitest";
import { LeaseClient, type LeaseCall } from "../../worker/limits/lease-client";
import { LEASE_MS } from "../../worker/limits/lease-size";
import type { LeaseGrant } from "../../worker/limits/lease-protocol";
import { leaseCounters } from "../../worker/limits/rate-limit";
import { admin, adminJson, chat, expectOpenAiError, readSse, registerOrigin, userMessage } from "./helpers";

type Limits = { rpm?: number; tpm?: number };

beforeAll(() => registerOrigin("limits-origin", "healthy"));

let tenants = 0;

/** A fresh tenant with the given limits and one key per entry of `keys` (each with its own limits, if any). */
async function limitedTenant(limits: Limits | undefined, keys: (Limits | undefined)[] = [undefined]) {
  const id = `limits-${++tenants}-${crypto.randomUUID().slice(0, 8)}`;
  await adminJson("PUT", `/tenants/${id}`, { name: id, ...(limits ? { limits } : {}) });
  const created: { key: string; id: string }[] = [];
  for (const own of keys) created.push(await adminJson<{ key: string; id: string }>("POST", `/tenants/${id}/keys`, own ? { limits: own } : {}));
  return { id, keys: created };
}

const body = (maxTokens = 4, content = "hi") => ({ model: "llama-8b", messages: userMessage(content), max_tokens: maxTokens });

/** One chat call, body read; status, headers and parsed JSON. */
async function ask(key: string, request = body()): Promise<{ status: number; headers: Headers; json: Record<string, any> }> {
  const res = await chat(key, request, { "x-meridian-hedge": "off" });
  return { status: res.status, headers: res.headers, json: (await res.json()) as Record<string, any> };
}

const statuses = (results: { status: number }[]) => results.map((r) => r.status);
const count = (results: { status: number }[], status: number) => results.filter((r) => r.status === status).length;

describe("requests per minute", () => {
  it("holds a tenant's rpm when several clients hit it at once", async () => {
    const { keys } = await limitedTenant({ rpm: 30 }, [undefined, undefined, undefined, undefined, undefined]);
    const started = Date.now();
    // Five clients (one key each) with twenty requests in flight each.
    const results = await Promise.all(keys.flatMap(({ key }) => Array.from({ length: 20 }, () => ask(key))));
    const refilled = Math.ceil((30 * (Date.now() - started)) / 60_000);

    expect(statuses(results).filter((s) => s !== 200 && s !== 429)).toEqual([]);
    // One isolate: leases at 30 rpm are one request each, so none is stranded and the bound is tight.
    expect(count(results, 200)).toBeGreaterThanOrEqual(30);
    expect(count(results, 200)).toBeLessThanOrEqual(30 + refilled);
  });

  it("holds across several isolates leasing from one Tenant object, within their leases", async () => {
    // LeaseClient instances stand for isolates (a test runs in one); the object and its RPC are real.
    const { id } = await limitedTenant({ rpm: 600 });
    const object = env.TENANT.get(env.TENANT.idFromName(id));
    const call: LeaseCall = async (req) => (await object.lease(req)) as LeaseGrant;
    const isolates = Array.from({ length: 5 }, () => new LeaseClient());
    const started = Date.now();
    let accepted = 0;
    // Each isolate: ten waves of twenty concurrent requests (1000 in all).
    await Promise.all(
      isolates.map(async (isolate) => {
        for (let wave = 0; wave < 10; wave++) {
          const results = await Promise.all(Array.from({ length: 20 }, () => isolate.admit(call, id, "key_x", { tenant: { rpm: 600 } }, 0)));
          accepted += results.filter((r) => r.ok).length;
        }
      }),
    );
    const refilled = Math.ceil((600 * (Date.now() - started)) / 60_000);
    expect(accepted).toBeLessThanOrEqual(600 + refilled);
    // Leases hold at most 2 s of the rate (20 here); what other isolates hold can only cause early refusals.
    expect(accepted).toBeGreaterThanOrEqual(600 - 5 * 20);
  });

  it("refuses with 429, the OpenAI error shape and a Retry-After in whole seconds", async () => {
    const { id, keys } = await limitedTenant({ rpm: 2 });
    expect(statuses([await ask(keys[0]!.key), await ask(keys[0]!.key)])).toEqual([200, 200]);

    const res = await chat(keys[0]!.key, body());
    const error = await expectOpenAiError(res, 429);
    expect(error).toMatchObject({ type: "rate_limit_error", code: "rate_limit_exceeded" });
    const retryAfter = Number(res.headers.get("retry-after"));
    expect(Number.isInteger(retryAfter)).toBe(true);
    expect(retryAfter).toBeGreaterThanOrEqual(1);
    expect(retryAfter).toBeLessThanOrEqual(30); // one request refills every 30 s at 2 rpm
    expect(error.message).toBe(`Rate limit reached for tenant '${id}': 2 requests per minute (rpm). Retry after ${retryAfter} s.`);
    expect(res.headers.get("x-ratelimit-limit-requests")).toBe("2");
    expect(res.headers.get("x-ratelimit-remaining-requests")).toBe("0");
  });

  it("gives each key its own limit, all within the tenant's", async () => {
    const { keys } = await limitedTenant({ rpm: 5 }, [{ rpm: 2 }, { rpm: 2 }, undefined]);
    const [a, b, c] = keys.map((k) => k.key) as [string, string, string];
    const ofA = [await ask(a), await ask(a), await ask(a)];
    expect(statuses(ofA)).toEqual([200, 200, 429]);
    expect(ofA[2]!.json.error.message).toContain(`API key '${keys[0]!.id}': 2 requests per minute`);
    // Key b is not held back by a's limit...
    expect(statuses([await ask(b), await ask(b)])).toEqual([200, 200]);
    // ...but the tenant's five are now nearly spent, whichever key asks.
    const ofC = [await ask(c), await ask(c)];
    expect(statuses(ofC)).toEqual([200, 429]);
    expect(ofC[1]!.json.error.message).toContain("tenant");
  });

  it("reports the limit and an approximate remainder on successful responses", async () => {
    const { keys } = await limitedTenant({ rpm: 10 });
    const first = await ask(keys[0]!.key);
    expect(first.headers.get("x-ratelimit-limit-requests")).toBe("10");
    expect(first.headers.get("x-ratelimit-remaining-requests")).toBe("9");
    const second = await ask(keys[0]!.key);
    expect(Number(second.headers.get("x-ratelimit-remaining-requests"))).toBeLessThanOrEqual(8);
  });

  it("leaves tenants without limits alone", async () => {
    const { keys } = await limitedTenant(undefined);
    const results = await Promise.all(Array.from({ length: 40 }, () => ask(keys[0]!.key)));
    expect(count(results, 200)).toBe(40);
    expect(results[0]!.headers.get("x-ratelimit-limit-requests")).toBeNull();
  });
});

describe("tokens per minute", () => {
  // "abc " is one token for the origin and four bytes for the estimate, so the
  // estimate (a quarter of the body's bytes) overshoots by the JSON around it.
  const big = body(10, "abc ".repeat(190));
  const estimate = Math.ceil(JSON.stringify(big).length / 4) + 10;

  it("charges the estimated input plus the output cap up front, then refuses", async () => {
    const { id, keys } = await limitedTenant({ tpm: 500 });
    const first = await ask(keys[0]!.key, big);
    const second = await ask(keys[0]!.key, big);
    const third = await ask(keys[0]!.key, big);
    expect(statuses([first, second, third])).toEqual([200, 200, 429]);
    expect(third.json.error).toMatchObject({ type: "rate_limit_error", code: "rate_limit_exceeded" });
    expect(third.json.error.message).toContain(`tenant '${id}': 500 tokens per minute (tpm), and this request counts ${estimate} tokens`);
    expect(Number(third.headers.get("retry-after"))).toBeGreaterThanOrEqual(1);
    expect(third.headers.get("x-ratelimit-limit-tokens")).toBe("500");
  });

  it("settles each request at its real usage, so the next one gets the difference back", async () => {
    const { keys } = await limitedTenant({ tpm: 500 });
    const started = Date.now();
    const first = await ask(keys[0]!.key, big);
    const second = await ask(keys[0]!.key, big);
    const refilled = Math.ceil((500 * (Date.now() - started)) / 60_000);
    const used = first.json.usage.prompt_tokens + first.json.usage.completion_tokens;
    expect(used).toBeLessThan(estimate - 10); // the overshoot this test relies on

    // Without settlement the remainder would be 500 - 2 x estimate; the first request's unused part came back.
    const remaining = Number(second.headers.get("x-ratelimit-remaining-tokens"));
    expect(remaining).toBeGreaterThanOrEqual(500 - estimate - used);
    expect(remaining).toBeLessThanOrEqual(500 - estimate - used + refilled);
  });

  it("settles a streamed answer from its final usage", async () => {
    const { keys } = await limitedTenant({ tpm: 500 });
    const streamed = { ...big, stream: true, stream_options: { include_usage: true } };
    const started = Date.now();
    const { events } = await readSse(await chat(keys[0]!.key, streamed, { "x-meridian-hedge": "off" }));
    const usage = events.map((e) => (e === "[DONE]" ? null : JSON.parse(e).usage)).find((u) => u)!;
    const next = await ask(keys[0]!.key, big);
    const refilled = Math.ceil((500 * (Date.now() - started)) / 60_000);

    const used = usage.prompt_tokens + usage.completion_tokens;
    const charged = Math.ceil(JSON.stringify(streamed).length / 4) + 10;
    const remaining = Number(next.headers.get("x-ratelimit-remaining-tokens"));
    expect(remaining).toBeGreaterThanOrEqual(500 - used - estimate);
    expect(remaining).toBeLessThanOrEqual(500 - used - estimate + refilled);
    expect(remaining).toBeGreaterThan(500 - charged - estimate + 5); // not what it would be unsettled
  });

  it("lets a key's tpm refuse while the tenant still has room", async () => {
    const { keys } = await limitedTenant({ tpm: 100_000 }, [{ tpm: estimate }]);
    const results = [await ask(keys[0]!.key, big), await ask(keys[0]!.key, big)];
    expect(statuses(results)).toEqual([200, 429]);
    expect(results[1]!.json.error.message).toContain(`API key '${keys[0]!.id}': ${estimate} tokens per minute`);
  });
});

describe("changing limits", () => {
  it("applies a tenant's new limits right after the PUT, keeping what this minute used", async () => {
    const { id, keys } = await limitedTenant(undefined);
    const key = keys[0]!.key;
    expect(count(await Promise.all([ask(key), ask(key), ask(key)]), 200)).toBe(3);

    await adminJson("PUT", `/tenants/${id}`, { name: id, limits: { rpm: 1 } });
    expect(statuses([await ask(key), await ask(key)])).toEqual([200, 429]);

    await adminJson("PUT", `/tenants/${id}`, { name: id, limits: { rpm: 4 } });
    expect(statuses([await ask(key), await ask(key), await ask(key), await ask(key)])).toEqual([200, 200, 200, 429]);
  });

  it("sets, changes and removes a key's limits with PATCH, audited as key.update", async () => {
    const { id, keys } = await limitedTenant(undefined);
    const { key, id: keyId } = keys[0]!;
    const patched = await adminJson("PATCH", `/tenants/${id}/keys/${keyId}`, { limits: { rpm: 1 } });
    expect(patched).toMatchObject({ id: keyId, object: "api_key", limits: { rpm: 1 } });
    expect(statuses([await ask(key), await ask(key)])).toEqual([200, 429]);

    await adminJson("PATCH", `/tenants/${id}/keys/${keyId}`, { limits: null });
    expect(statuses([await ask(key), await ask(key)])).toEqual([200, 200]);

    const listed = await adminJson<{ data: { id: string; limits: unknown }[] }>("GET", `/tenants/${id}/keys`);
    expect(listed.data).toEqual([expect.objectContaining({ id: keyId, limits: null })]);
    const audit = await adminJson<{ data: { action: string; detail: Record<string, unknown> }[] }>("GET", `/tenants/${id}/audit`);
    expect(audit.data.filter((e) => e.action === "key.update").map((e) => e.detail)).toEqual([
      { key_id: keyId, limits: null },
      { key_id: keyId, limits: { rpm: 1 } },
    ]);
  });

  it("takes key limits at creation and shows them, without the secret, in the key list", async () => {
    const { id, keys } = await limitedTenant(undefined, [{ rpm: 7, tpm: 9_000 }]);
    const listed = await adminJson<{ data: Record<string, unknown>[] }>("GET", `/tenants/${id}/keys`);
    expect(listed.data[0]).toMatchObject({ id: keys[0]!.id, limits: { rpm: 7, tpm: 9_000 } });
  });

  it("rejects limits that are not positive integers, or unknown fields", async () => {
    const { id, keys } = await limitedTenant(undefined);
    for (const limits of [{ rpm: 0 }, { tpm: 1.5 }, { rpd: 10 }]) {
      expect((await admin("PUT", `/tenants/${id}`, { name: id, limits })).status).toBe(400);
      expect((await admin("POST", `/tenants/${id}/keys`, { limits })).status).toBe(400);
      expect((await admin("PATCH", `/tenants/${id}/keys/${keys[0]!.id}`, { limits })).status).toBe(400);
    }
    expect((await admin("PATCH", `/tenants/${id}/keys/key_nope`, { limits: { rpm: 1 } })).status).toBe(404);
  });
});

describe("leasing", () => {
  it("calls the tenant's object a few times per lease, not once per request", async () => {
    const { keys } = await limitedTenant({ rpm: 6_000, tpm: 10_000_000 });
    const before = { ...leaseCounters };
    const started = Date.now();
    let ok = 0;
    // Four clients, fifty requests each, one after another.
    await Promise.all(
      Array.from({ length: 4 }, async () => {
        for (let i = 0; i < 50; i++) if ((await ask(keys[0]!.key)).status === 200) ok++;
      }),
    );
    const lifetimes = Math.ceil((Date.now() - started) / LEASE_MS);
    expect(ok).toBe(200);
    expect(leaseCounters.admitted - before.admitted).toBe(200);
    // Clients finding the lease empty together each call (no request waits on another's call): a few
    // rounds while the lease doubles from one request to its cap, then one per client per lease lifetime.
    const calls = leaseCounters.leaseCalls - before.leaseCalls;
    expect(calls).toBeLessThanOrEqual(4 * (3 + lifetimes));
    expect(calls).toBeLessThan(200 / 4);
  }, 60_000);
});
