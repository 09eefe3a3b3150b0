import { describe, expect, it, vi } from "vitest";
import type { AccountState } from "../billing/account";
import { consumeUsage, MAX_RETRIES, type DeliverUsage } from "./usage-consumer";
import type { UsageRecord } from "./usage-record";

const ACCOUNT: AccountState = { month: "2026-04", spent_month_usd: 1, tokens_month: 10, credits_usd: null, budget: null };

const record = (id: string): UsageRecord => ({
  id,
  request_id: "r",
  key_id: "k",
  model: "llama-8b",
  origin: "o",
  region: "weur",
  input_tokens: 1,
  output_tokens: 1,
  cache: "miss",
  stream: false,
  at: 0,
  list_price: null,
});

/** A batch of fake messages that remember whether they were acknowledged or retried. */
function batchOf(bodies: unknown[], attempts = 1) {
  const outcome = new Map<string, "ack" | "retry">();
  const messages = bodies.map((body, i) => ({
    id: `m${i}`,
    timestamp: new Date(0),
    body,
    attempts,
    ack: () => outcome.set(`m${i}`, "ack"),
    retry: () => outcome.set(`m${i}`, "retry"),
  }));
  const batch = { queue: "meridian-usage", messages, ackAll: () => {}, retryAll: () => {} } as unknown as MessageBatch<unknown>;
  return { batch, outcome };
}

describe("consumeUsage", () => {
  it("delivers each tenant's records in one call and acknowledges them", async () => {
    const calls: [string, string[]][] = [];
    const deliver: DeliverUsage = async (tenant, records) => (calls.push([tenant, records.map((r) => r.id)]), ACCOUNT);
    const accounts: string[] = [];
    const { batch, outcome } = batchOf([
      { tenant_id: "a", record: record("u1") },
      { tenant_id: "b", record: record("u2") },
      { tenant_id: "a", record: record("u3") },
    ]);
    await consumeUsage(batch, deliver, (tenant) => accounts.push(tenant));
    expect(calls).toEqual([["a", ["u1", "u3"]], ["b", ["u2"]]]);
    expect([...outcome.values()]).toEqual(["ack", "ack", "ack"]);
    expect(accounts.sort()).toEqual(["a", "b"]);
  });

  it("drops a message that is not a usage record at once, without holding up the others", async () => {
    const delivered: string[] = [];
    const { batch, outcome } = batchOf(["garbage", { tenant_id: 7, record: {} }, { tenant_id: "a", record: record("u1") }]);
    await consumeUsage(batch, async (_t, records) => (delivered.push(...records.map((r) => r.id)), ACCOUNT), () => {});
    expect(delivered).toEqual(["u1"]);
    expect(Object.fromEntries(outcome)).toEqual({ m0: "ack", m1: "ack", m2: "ack" });
  });

  it("retries only the record the object cannot take, and acknowledges the rest of its tenant's batch", async () => {
    const deliver: DeliverUsage = async (_t, records) => {
      if (records.some((r) => r.id === "poison")) throw new Error("object refused the batch");
      return ACCOUNT;
    };
    const { batch, outcome } = batchOf([
      { tenant_id: "a", record: record("u1") },
      { tenant_id: "a", record: record("poison") },
      { tenant_id: "a", record: record("u3") },
    ]);
    await consumeUsage(batch, deliver, () => {});
    expect(Object.fromEntries(outcome)).toEqual({ m0: "ack", m1: "retry", m2: "ack" });
  });

  it("retries everything while the object is unreachable, and logs what the queue dead-letters", async () => {
    const errors = vi.spyOn(console, "error").mockImplementation(() => {});
    const { batch, outcome } = batchOf([{ tenant_id: "a", record: record("u1") }, { tenant_id: "a", record: record("u2") }], MAX_RETRIES + 1);
    await consumeUsage(batch, async () => { throw new Error("unreachable"); }, () => {});
    expect(Object.fromEntries(outcome)).toEqual({ m0: "retry", m1: "retry" });
    expect(errors.mock.calls.map((c) => String(c[0]))).toEqual([expect.stringMatching(/"u1".*dead-lettered/), expect.stringMatching(/"u2".*dead-lettered/)]);
    errors.mockRestore();
  });

  it("acknowledges records of a tenant that no longer exists (nothing to bill)", async () => {
    const { batch, outcome } = batchOf([{ tenant_id: "gone", record: record("u1") }]);
    await consumeUsage(batch, async () => null, () => {});
    expect(Object.fromEntries(outcome)).toEqual({ m0: "ack" });
  });
});
