// Usage metering end to end: every answered request becomes one usage record
// in the tenant's object, streamed or not, from an origin or the cache, and a
// batch delivered twice is counted once.
import { env } from "cloudflare:workers";
import { beforeAll, describe, expect, it } from "vitest";
import type { AccountState } from "../../worker/billing/account";
import { UsageRecorder } from "../../worker/metering/recorder";
import type { UsageRecord } from "../../worker/metering/usage-record";
import { ADMIN_TOKEN, adminJson, newTenant, readSse, registerOrigin, request, userMessage } from "./helpers";
import { contentEvents, NANOS, readUsage, usageFromEvents, usageFromJson, usageWhen, type ClientUsage } from "./usage-helpers";

// One origin, one price: every request's cost is known exactly.
const PRICE = { input_per_m: 0.2, output_per_m: 0.6 };
const costNanos = (u: ClientUsage) => u.input * PRICE.input_per_m * 1000 + u.output * PRICE.output_per_m * 1000;
const NO_HEDGE = { "x-meridian-hedge": "off" };

beforeAll(async () => {
  await registerOrigin("meter-origin", "healthy", { price: PRICE });
  await registerOrigin("meter-broken", "failing", { models: { "broken-model": "llama-8b" }, price: PRICE });
});

const post = (key: string, path: string, body: unknown) => request("POST", path, { body, headers: { authorization: `Bearer ${key}`, ...NO_HEDGE } });

/** One call of a given kind; resolves to the usage the client itself received. */
async function call(key: string, kind: number, i: number): Promise<ClientUsage> {
  const prompt = `Burst request number ${i}: describe item ${i * 7}.`;
  switch (kind) {
    case 0: {
      const res = await post(key, "/v1/chat/completions", { model: "llama-8b", messages: userMessage(prompt), max_tokens: 12, stream: true, stream_options: { include_usage: true } });
      return usageFromEvents((await readSse(res)).events)!;
    }
    case 1:
      return usageFromJson(await (await post(key, "/v1/chat/completions", { model: "llama-8b", messages: userMessage(prompt), max_tokens: 12 })).json());
    case 2: {
      const res = await post(key, "/v1/completions", { model: "llama-8b", prompt, max_tokens: 9, stream: true, stream_options: { include_usage: true } });
      return usageFromEvents((await readSse(res)).events)!;
    }
    case 3:
      return usageFromJson(await (await post(key, "/v1/completions", { model: "llama-8b", prompt, max_tokens: 9 })).json());
    default:
      return usageFromJson(await (await post(key, "/v1/embeddings", { model: "llama-8b", input: [prompt, `${prompt} again`] })).json());
  }
}

describe("metering", () => {
  it("totals a burst of concurrent streamed and non-streamed calls exactly", async () => {
    const { key, keyId } = await newTenant();
    const received = await Promise.all(Array.from({ length: 20 }, (_, i) => call(key, i % 5, i)));
    const input = received.reduce((n, u) => n + u.input, 0);
    const output = received.reduce((n, u) => n + u.output, 0);
    expect(input).toBeGreaterThan(100);
    expect(output).toBeGreaterThan(100);

    const usage = await usageWhen(key, (u) => u.totals.requests >= 20);
    expect(usage.totals).toMatchObject({ requests: 20, input_tokens: input, output_tokens: output, cache_hits: 0, saved_usd: 0 });
    expect(Math.round(usage.totals.cost_usd * NANOS)).toBe(received.reduce((n, u) => n + costNanos(u), 0));
    expect(usage.data).toEqual([expect.objectContaining({ model: "llama-8b", requests: 20, input_tokens: input, output_tokens: output })]);
    // Filters: by key (all of them), and by a key that made none.
    expect((await readUsage(key, `?key_id=${keyId}`)).totals.requests).toBe(20);
    expect((await readUsage(key, "?key_id=key_nobody")).totals.requests).toBe(0);
  });

  it("meters a stream without include_usage exactly, and its client sees no usage event", async () => {
    const { key } = await newTenant();
    const body = { model: "llama-8b", messages: userMessage("Explain metering in one breath."), max_tokens: 15 };
    // The fleet is deterministic: the same request non-streamed says what the stream costs.
    const truth = usageFromJson(await (await post(key, "/v1/chat/completions", body)).json());

    const res = await post(key, "/v1/chat/completions", { ...body, stream: true });
    const { events } = await readSse(res);
    expect(events.at(-1)).toBe("[DONE]");
    expect(events.filter((e) => e !== "[DONE]").some((e) => (JSON.parse(e) as { usage?: unknown }).usage)).toBe(false);
    expect(contentEvents(events)).toBe(truth.output);

    const usage = await usageWhen(key, (u) => u.totals.requests >= 2);
    expect(usage.totals).toMatchObject({ requests: 2, input_tokens: 2 * truth.input, output_tokens: 2 * truth.output });
  });

  it("meters completions and Responses API streams too", async () => {
    const { key } = await newTenant();
    const completion = await post(key, "/v1/completions", { model: "llama-8b", prompt: "Count to five", max_tokens: 6, stream: true });
    const completionEvents = (await readSse(completion)).events;
    expect(usageFromEvents(completionEvents)).toBeNull();
    const responses = await post(key, "/v1/responses", { model: "llama-8b", input: "Say hi", stream: true });
    expect(responses.status).toBe(200);
    const text = await responses.text();
    const completed = /"usage":\{"input_tokens":(\d+)[\s\S]*?"output_tokens":(\d+)/.exec(text)!;
    expect(completed).not.toBeNull();

    const usage = await usageWhen(key, (u) => u.totals.requests >= 2);
    expect(usage.totals.output_tokens).toBe(contentEvents(completionEvents) + Number(completed[2]));
    expect(usage.totals.input_tokens).toBeGreaterThan(Number(completed[1]));
  });

  it("does not bill a request that got no answer", async () => {
    const { key } = await newTenant();
    const failed = await post(key, "/v1/chat/completions", { model: "broken-model", messages: userMessage("hello") });
    expect(failed.status).toBe(502);
    await (await post(key, "/v1/chat/completions", { model: "llama-8b", messages: userMessage("hello"), max_tokens: 3 })).json();
    const usage = await usageWhen(key, (u) => u.totals.requests >= 1);
    expect(usage.data.map((d) => [d.model, d.requests])).toEqual([["llama-8b", 1]]);
  });
});

describe("cache hits", () => {
  it("are billed at the tenant's cache discount, and say what they saved", async () => {
    const { id, key } = await newTenant();
    await adminJson("PUT", `/tenants/${id}`, { name: id, pricing: { cache_hit_discount: 0.75 } });
    await adminJson("PUT", `/tenants/${id}/rules`, { cache: { exact: true } });
    const body = { model: "llama-8b", messages: userMessage("What is the boiling point of water?"), temperature: 0, max_tokens: 10 };

    const first = await post(key, "/v1/chat/completions", body);
    expect(first.headers.get("x-meridian-cache")).toBe("miss");
    const truth = usageFromJson(await first.json());
    // The entry is written after the answer; ask until it is served from the cache.
    let misses = 1;
    let hit: Response;
    for (;;) {
      hit = await post(key, "/v1/chat/completions", body);
      if (hit.headers.get("x-meridian-cache") === "hit-exact") break;
      await hit.arrayBuffer();
      misses++;
    }
    await hit.arrayBuffer();
    // A streamed replay to a client that did not ask for usage: billed from the entry's usage, shown none.
    const streamed = await post(key, "/v1/chat/completions", { ...body, stream: true });
    expect(streamed.headers.get("x-meridian-cache")).toBe("hit-exact");
    const { events } = await readSse(streamed);
    expect(usageFromEvents(events)).toBeNull();

    const usage = await usageWhen(key, (u) => u.totals.requests >= misses + 2);
    const full = costNanos(truth);
    expect(usage.totals).toMatchObject({ requests: misses + 2, cache_hits: 2, input_tokens: (misses + 2) * truth.input, output_tokens: (misses + 2) * truth.output });
    expect(Math.round(usage.totals.cost_usd * NANOS)).toBe(misses * full + 2 * Math.round(full * 0.25));
    expect(usage.totals.saved_usd).toBeGreaterThan(0);
    expect(Math.round(usage.totals.saved_usd * NANOS)).toBe(2 * (full - Math.round(full * 0.25)));
  });
});

describe("idempotency", () => {
  const record = (id: string, keyId: string): UsageRecord => ({
    id,
    request_id: "client-chosen-id",
    key_id: keyId,
    model: "llama-8b",
    origin: "meter-origin",
    region: "weur",
    input_tokens: 100,
    output_tokens: 40,
    cache: "miss",
    stream: false,
    at: Date.now(),
    list_price: PRICE,
  });

  it("counts a batch delivered twice once", async () => {
    const { id, key, keyId } = await newTenant();
    const object = env.TENANT.get(env.TENANT.idFromName(id));
    const batch = [record(crypto.randomUUID(), keyId), record(crypto.randomUUID(), keyId)];
    const first = (await object.recordUsage(batch)) as AccountState;
    const again = (await object.recordUsage(batch)) as AccountState;
    expect(again).toEqual(first);
    expect(first.tokens_month).toBe(280);

    const usage = await readUsage(key);
    expect(usage.totals).toMatchObject({ requests: 2, input_tokens: 200, output_tokens: 80 });
    expect(Math.round(usage.totals.cost_usd * NANOS)).toBe(2 * (100 * 200 + 40 * 600));
  });

  it("does not double-count when the recorder retries after the object applied a batch but its answer was lost", async () => {
    const { id, key, keyId } = await newTenant();
    const object = env.TENANT.get(env.TENANT.idFromName(id));
    let calls = 0;
    const recorder = new UsageRecorder({
      send: async (_tenant, batch) => {
        const account = (await object.recordUsage(batch)) as AccountState;
        if (++calls === 1) throw new Error("connection reset after the write");
        return account;
      },
      onAccount: () => {},
      flushAfterMs: 1,
    });
    const pending: Promise<unknown>[] = [];
    for (let i = 0; i < 3; i++) recorder.add(id, record(crypto.randomUUID(), keyId), 1, (p) => pending.push(p));
    await Promise.all(pending);
    expect(calls).toBe(2);
    expect((await readUsage(key)).totals).toMatchObject({ requests: 3, input_tokens: 300, output_tokens: 120 });
  });

  it("uses a server-generated usage id, so clients repeating x-request-id are each billed", async () => {
    const { key } = await newTenant();
    const body = { model: "llama-8b", messages: userMessage("same id twice"), max_tokens: 3 };
    for (let i = 0; i < 2; i++) {
      const res = await request("POST", "/v1/chat/completions", { body, headers: { authorization: `Bearer ${key}`, "x-request-id": "fixed-id", ...NO_HEDGE } });
      await res.json();
    }
    expect((await usageWhen(key, (u) => u.totals.requests >= 2)).totals.requests).toBe(2);
  });
});

describe("usage read-outs", () => {
  it("are the same for the tenant and the operator, and validate their query", async () => {
    const { id, key } = await newTenant();
    await (await post(key, "/v1/chat/completions", { model: "llama-8b", messages: userMessage("hi"), max_tokens: 2 })).json();
    const own = await usageWhen(key, (u) => u.totals.requests >= 1);
    const operator = await adminJson("GET", `/tenants/${id}/usage`);
    expect(operator).toEqual(own);
    expect(own).toMatchObject({ object: "usage", tenant_id: id, account: { tokens_month: own.totals.input_tokens + own.totals.output_tokens, credits_usd: null, budget: null } });
    expect(own.from.endsWith("-01")).toBe(true);

    const today = own.to;
    expect((await readUsage(key, `?from=${today}&to=${today}&model=llama-8b`)).totals.requests).toBe(1);
    expect((await readUsage(key, "?model=other")).data).toEqual([]);
    for (const bad of ["?from=2026-02-30", "?from=yesterday", "?from=2026-05-02&to=2026-05-01", "?limit=3"]) {
      const res = await request("GET", `/v1/usage${bad}`, { headers: { authorization: `Bearer ${key}` } });
      expect(res.status, bad).toBe(400);
    }
    expect((await request("GET", "/v1/usage")).status).toBe(401);
    expect((await request("GET", "/admin/v1/tenants/nobody-here/usage", { headers: { authorization: `Bearer ${ADMIN_TOKEN}` } })).status).toBe(404);
  });
});
