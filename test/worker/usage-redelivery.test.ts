// Every usage batch reaches the tenant's object twice: directly from the
// isolate and again from the queue. The second delivery must change nothing
// and cost the object a lookup per chunk of ids, not a statement per record.
import { env } from "cloudflare:workers";
import { runInDurableObject } from "cloudflare:test";
import { describe, expect, it, vi } from "vitest";
import type { Tenant } from "../../durable-objects/tenant";
import type { UsageRecord } from "../../worker/metering/usage-record";
import { newTenant } from "./helpers";

const record = (i: number, extra: Partial<UsageRecord> = {}): UsageRecord => ({
  id: `u-${i}-${crypto.randomUUID()}`, request_id: `r-${i}`, key_id: "k", model: "llama-8b", origin: "o", region: "weur",
  input_tokens: 10, output_tokens: 5, cache: "miss", stream: false, at: Date.now(), list_price: { input_per_m: 1, output_per_m: 2 }, ...extra,
});

describe("a usage batch delivered twice", () => {
  it("is charged once, and the second delivery runs a few statements instead of dozens", async () => {
    const { id } = await newTenant();
    const batch = [...Array.from({ length: 120 }, (_, i) => record(i)), record(120, { shadow: { verdict: "agree", answer_similarity: 1, hit_similarity: 0.9 } })];
    await runInDurableObject(env.TENANT.get(env.TENANT.idFromName(id)), (instance: Tenant, state) => {
      const exec = vi.spyOn(state.storage.sql, "exec");
      const first = instance.recordUsage(batch);
      const firstStatements = exec.mock.calls.length;
      exec.mockClear();
      const second = instance.recordUsage(batch);
      const secondStatements = exec.mock.calls.length;
      exec.mockRestore();
      expect(second).toEqual(first);
      expect(first?.spent_month_usd).toBeGreaterThan(0);
      expect(firstStatements).toBeGreaterThan(120);
      expect(secondStatements).toBeLessThan(15);
      // A batch with one new record among seen ones charges just that one.
      const third = instance.recordUsage([...batch.slice(0, 10), record(99)]);
      expect(third!.spent_month_usd).toBeCloseTo(first!.spent_month_usd * (121 / 120), 9);
    });
  });
});
