// Usage is metered to a durable queue first: records that never reached the
// tenant's object from their isolate (evicted, redeployed, the object
// unreachable) are delivered by the queue's consumer, once. A record that
// cannot be charged is set aside; it never blocks the records behind it.
import { env } from "cloudflare:workers";
import { beforeAll, describe, expect, it } from "vitest";
import type { AccountState } from "../../worker/billing/account";
import type { UsageMessage } from "../../worker/metering/usage-message";
import type { UsageRecord } from "../../worker/metering/usage-record";
import { chat, newTenant, registerOrigin, userMessage } from "./helpers";
import { NANOS, readUsage, usageWhen } from "./usage-helpers";

const PRICE = { input_per_m: 1, output_per_m: 2 };

const record = (keyId: string, fields: Partial<UsageRecord> = {}): UsageRecord => ({
  id: crypto.randomUUID(),
  request_id: "r",
  key_id: keyId,
  model: "llama-8b",
  origin: "queue-origin",
  region: "weur",
  input_tokens: 100,
  output_tokens: 10,
  cache: "miss",
  stream: false,
  at: Date.now(),
  list_price: PRICE,
  ...fields,
});

const enqueue = (tenantId: string, records: UsageRecord[]) =>
  env.USAGE_QUEUE.sendBatch(records.map((r) => ({ body: { tenant_id: tenantId, record: r } satisfies UsageMessage, contentType: "json" as const })));

// The queue's first delivery in a fresh runtime can take several seconds (the consumer is started
// on first use); later ones take tens of milliseconds. Wait for one here, not in each test.
beforeAll(async () => {
  const { id, key, keyId } = await newTenant();
  await enqueue(id, [record(keyId)]);
  await usageWhen(key, (u) => u.totals.requests >= 1, "", 30_000);
}, 40_000);

describe("the usage queue", { timeout: 30_000 }, () => {
  it("bills records that only reached the queue, as if their isolate was gone before the object heard of them", async () => {
    const { id, key, keyId } = await newTenant();
    await enqueue(id, [record(keyId), record(keyId)]);
    const usage = await usageWhen(key, (u) => u.totals.requests >= 2);
    expect(usage.totals).toMatchObject({ requests: 2, input_tokens: 200, output_tokens: 20 });
    expect(Math.round(usage.totals.cost_usd * NANOS)).toBe(2 * (100 * 1000 + 10 * 2000));
  });

  it("counts a record once when both the isolate and the queue deliver it", async () => {
    const { id, key, keyId } = await newTenant();
    const both = record(keyId);
    await env.TENANT.get(env.TENANT.idFromName(id)).recordUsage([both]);
    await enqueue(id, [both, record(keyId)]);
    await usageWhen(key, (u) => u.totals.requests >= 2);
    const marker = record(keyId); // delivered after the others: once it is in, they are too
    await enqueue(id, [marker]);
    expect((await usageWhen(key, (u) => u.totals.requests >= 3)).totals.requests).toBe(3);
  });

  it("meters real requests through the queue and the object without counting any twice", async () => {
    await registerOrigin("queue-origin", "healthy", { price: PRICE });
    const { key } = await newTenant();
    for (let i = 0; i < 3; i++) await (await chat(key, { model: "llama-8b", messages: userMessage(`queued ${i}`), max_tokens: 4 }, { "x-meridian-hedge": "off" })).json();
    await usageWhen(key, (u) => u.totals.requests >= 3);
    // The queue's copies arrive after the direct ones: a late read-out still says three.
    const { id } = await newTenant(); // a second tenant's queued record, delivered after the first tenant's
    const second = await newTenant();
    await enqueue(second.id, [record(second.keyId)]);
    await usageWhen(second.key, (u) => u.totals.requests >= 1);
    expect(id).not.toBe(second.id);
    expect((await readUsage(key)).totals.requests).toBe(3);
  });
});

describe("a record that cannot be charged", { timeout: 30_000 }, () => {
  it("is set aside by the tenant's object, and the records in its batch are billed", async () => {
    const { id, key, keyId } = await newTenant();
    const object = env.TENANT.get(env.TENANT.idFromName(id));
    const batch = [
      record(keyId, { list_price: { input_per_m: Number.NaN, output_per_m: 1 } }), // a price that is not a number
      record(keyId, { input_tokens: "many" as unknown as number }),
      { nonsense: true } as unknown as UsageRecord,
      record(keyId),
    ];
    const account = (await object.recordUsage(batch)) as AccountState;
    expect(account.tokens_month).toBe(110);
    const usage = await readUsage(key);
    expect(usage.totals).toMatchObject({ requests: 1, input_tokens: 100, output_tokens: 10 });
    expect(Number.isFinite(usage.totals.cost_usd)).toBe(true);
  });

  it("is set aside on its way through the queue, and later usage of the tenant is still billed", async () => {
    const { id, key, keyId } = await newTenant();
    await enqueue(id, [record(keyId, { model: { name: "not a string" } as unknown as string }), record(keyId)]);
    await usageWhen(key, (u) => u.totals.requests >= 1);
    await enqueue(id, [record(keyId)]);
    expect((await usageWhen(key, (u) => u.totals.requests >= 2)).totals.requests).toBe(2);
  });
});
