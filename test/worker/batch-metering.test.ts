// Batch lines are metered one usage record each, flagged batch, at the batch
// price: exact nano-dollars from the tokens each answer reports, shown apart in
// the usage read-out and charged per batch for the dashboard.
import { runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { beforeAll, expect, it } from "vitest";
import { adminJson, chat, registerOrigin, userMessage } from "./helpers";
import { batchLine, createBatch, fileLines, uploadOk, waitForBatch } from "./batch-helpers";
import { NANOS, readUsage, usageWhen } from "./usage-helpers";
import { sendBatchLine } from "../../worker/routes/batch-line";

const MODEL = "batch-metered";

beforeAll(() => registerOrigin("batch-metered-origin", "healthy", { models: { [MODEL]: "llama-8b" } }));

it("charges each line at half the list price, with its own usage record flagged batch", async () => {
  const id = `batch-meter-${crypto.randomUUID().slice(0, 8)}`;
  await adminJson("PUT", `/tenants/${id}`, { name: id, pricing: { models: { [MODEL]: { input_per_m: 3, output_per_m: 7 } } } });
  const { key } = await adminJson<{ key: string }>("POST", `/tenants/${id}/keys`, {});
  const lines = Array.from({ length: 5 }, (_, i) => batchLine(`m${i}`, MODEL, `metered question number ${i}`, { max_tokens: 6 + i }));
  const done = await waitForBatch(key, (await createBatch(key, await uploadOk(key, lines))).id);
  expect(done.request_counts).toEqual({ total: 5, completed: 5, failed: 0 });

  // What each line should cost: (input × 3 + output × 7) USD per 1M tokens, halved, rounded per record.
  let expected = 0;
  for (const line of await fileLines(key, done.output_file_id)) {
    const u = line.response.body.usage;
    expected += Math.round((u.prompt_tokens * 3 + u.completion_tokens * 7) * 1000 * 0.5);
  }
  const usage = await usageWhen(key, (u) => u.totals.requests >= 5);
  expect(usage.totals.requests).toBe(5);
  expect(Math.round(usage.totals.cost_usd * NANOS)).toBe(expected);

  const object = env.TENANT.get(env.TENANT.idFromName(id));
  const rows = await runInDurableObject(object, (_i, state) => state.storage.sql.exec<{ batch: number; cost_nanos: number }>(`SELECT batch, cost_nanos FROM usage_events`).toArray());
  expect(rows).toHaveLength(5);
  expect(rows.every((r) => r.batch === 1)).toBe(true);
  expect(rows.reduce((n, r) => n + r.cost_nanos, 0)).toBe(expected);
});

it("shows batch lines apart in GET /v1/usage (per row and in totals) and charges each batch in the tenant's ledger", async () => {
  const id = `batch-usage-${crypto.randomUUID().slice(0, 8)}`;
  await adminJson("PUT", `/tenants/${id}`, { name: id, pricing: { models: { [MODEL]: { input_per_m: 3, output_per_m: 7 } } } });
  const { key } = await adminJson<{ key: string }>("POST", `/tenants/${id}/keys`, {});
  // One interactive call at the full price...
  const res = await chat(key, { model: MODEL, messages: userMessage("an interactive question"), max_tokens: 5 }, { "x-meridian-hedge": "off" });
  expect(res.status).toBe(200);
  const u0 = ((await res.json()) as { usage: { prompt_tokens: number; completion_tokens: number } }).usage;
  const interactive = (u0.prompt_tokens * 3 + u0.completion_tokens * 7) * 1000;
  // ...and a batch of three lines at half of it.
  const lines = Array.from({ length: 3 }, (_, i) => batchLine(`u${i}`, MODEL, `usage question ${i}`, { max_tokens: 4 + i }));
  const done = await waitForBatch(key, (await createBatch(key, await uploadOk(key, lines))).id);
  expect(done.request_counts).toEqual({ total: 3, completed: 3, failed: 0 });
  let batched = 0;
  for (const line of await fileLines(key, done.output_file_id)) {
    const u = line.response.body.usage;
    batched += Math.round((u.prompt_tokens * 3 + u.completion_tokens * 7) * 1000 * 0.5);
  }

  const usage = await usageWhen(key, (u) => u.totals.requests >= 4);
  expect(usage.totals).toMatchObject({ requests: 4, batch_requests: 3 });
  expect(Math.round(usage.totals.batch_usd! * NANOS)).toBe(batched);
  expect(Math.round(usage.totals.cost_usd * NANOS)).toBe(batched + interactive);
  expect(usage.data).toHaveLength(1);
  expect(usage.data[0]).toMatchObject({ model: MODEL, requests: 4, batch_requests: 3 });
  expect(Math.round(usage.data[0]!.batch_usd! * NANOS)).toBe(batched);
  // A filter that leaves the batch out leaves its counts out too.
  expect((await readUsage(key, "?model=other")).totals).toMatchObject({ requests: 0, batch_requests: 0, batch_usd: 0 });

  const tenant = env.TENANT.get(env.TENANT.idFromName(id));
  expect(await tenant.batchCharges([done.id, "batch_unknown", "__proto__"])).toEqual([{ batch_id: done.id, requests: 3, cost_nanos: batched }]);
});

it("charges a line once however often it is answered: a resend after a lost answer or a restart has the same request and record id", async () => {
  const id = `batch-once-${crypto.randomUUID().slice(0, 8)}`;
  await adminJson("PUT", `/tenants/${id}`, { name: id, pricing: { models: { [MODEL]: { input_per_m: 3, output_per_m: 7 } } } });
  const { key, id: keyId } = await adminJson<{ key: string; id: string }>("POST", `/tenants/${id}/keys`, {});
  const batchId = `batch_${crypto.randomUUID().replaceAll("-", "")}`;
  const pending: Promise<unknown>[] = [];
  const send = (line: number) =>
    sendBatchLine(env, (p) => void pending.push(p), { tenantId: id, keyId, batchId, line }, "/v1/chat/completions", JSON.stringify({ model: MODEL, messages: userMessage(`line ${line}`), max_tokens: 5 }), "batch-metered-origin");
  const first = await send(0);
  const again = await send(0); // the object restarted before it stored the first answer
  const next = await send(1);
  expect([first.status, again.status, next.status]).toEqual([200, 200, 200]);
  expect(again.requestId).toBe(first.requestId);
  expect(next.requestId).not.toBe(first.requestId);
  await Promise.allSettled(pending);

  // Line 1's record was sent after both of line 0's: once it is in, so is the resend.
  const usage = await usageWhen(key, (u) => u.totals.requests >= 2);
  const object = env.TENANT.get(env.TENANT.idFromName(id));
  const rows = await runInDurableObject(object, (_i, state) => state.storage.sql.exec<{ id: string; request_id: string }>(`SELECT id, request_id FROM usage_events ORDER BY request_id`).toArray());
  expect(rows.map((r) => r.request_id)).toEqual([first.requestId, next.requestId]);
  expect(rows.map((r) => r.id)).toEqual([first.requestId, next.requestId]);
  expect(usage.totals).toMatchObject({ requests: 2, batch_requests: 2 });
});
