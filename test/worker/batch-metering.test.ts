// Batch lines are metered one usage record each, flagged batch, at the batch
// price: exact nano-dollars from the tokens each answer reports.
import { runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { beforeAll, expect, it } from "vitest";
import { adminJson, registerOrigin } from "./helpers";
import { batchLine, createBatch, fileLines, uploadOk, waitForBatch } from "./batch-helpers";
import { NANOS, usageWhen } from "./usage-helpers";

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
