import { describe, expect, it, vi } from "vitest";
import type { AccountState } from "../billing/account";
import { FLUSH_AT, MAX_WAITING, UsageRecorder, type RecorderOptions } from "./recorder";
import type { UsageRecord } from "./usage-record";

const ACCOUNT: AccountState = { month: "2026-04", spent_month_usd: 1, tokens_month: 10, credits_usd: null, budget: null };

const record = (n: number): UsageRecord => ({
  id: `u${n}`,
  request_id: `r${n}`,
  key_id: "k",
  model: "llama-8b",
  origin: "o",
  region: "weur",
  input_tokens: 10,
  output_tokens: 5,
  cache: "miss",
  stream: false,
  at: 0,
  list_price: null,
});

/** A recorder whose sends are scripted and whose waits return at once; `queue` gives it a durable queue. */
function harness(outcomes: ("ok" | "fail" | "lost")[] = [], queue?: { refuse?: boolean; poison?: string }) {
  const sent: string[][] = [];
  const queued: string[][] = [];
  const applied = new Set<string>();
  const accounts: AccountState[] = [];
  const scheduled: Promise<unknown>[] = [];
  const options: RecorderOptions = {
    send: async (_tenant, batch) => {
      sent.push(batch.map((r) => r.id));
      const outcome = queue?.poison && batch.some((r) => r.id === queue.poison) ? "fail" : (outcomes.shift() ?? "ok");
      if (outcome === "fail") throw new Error("object unreachable");
      for (const r of batch) applied.add(r.id); // the object applies the batch...
      if (outcome === "lost") throw new Error("answer lost"); // ...but the answer never arrives
      return ACCOUNT;
    },
    onAccount: (_tenant, account) => accounts.push(account),
    flushAfterMs: 10,
    sleep: () => Promise.resolve(),
    ...(queue
      ? {
          persist: async (_tenant: string, batch: UsageRecord[]) => {
            if (queue.refuse) throw new Error("queue unavailable");
            queued.push(batch.map((r) => r.id));
          },
        }
      : {}),
  };
  const recorder = new UsageRecorder(options);
  const waitUntil = (p: Promise<unknown>) => scheduled.push(p);
  const settle = async () => {
    while (scheduled.length) await scheduled.shift();
  };
  return { recorder, sent, queued, applied, accounts, scheduled, waitUntil, settle };
}

describe("UsageRecorder", () => {
  it("batches records behind one scheduled flush and reports the account", async () => {
    const h = harness();
    for (let i = 0; i < 3; i++) h.recorder.add("t", record(i), 100, h.waitUntil);
    expect(h.scheduled).toHaveLength(1); // later records ride on the first one's flush
    expect(h.recorder.unflushed("t")).toEqual({ nanos: 300, tokens: 45 });
    await h.settle();
    expect(h.sent).toEqual([["u0", "u1", "u2"]]);
    expect(h.accounts).toEqual([ACCOUNT]);
    expect(h.recorder.unflushed("t")).toEqual({ nanos: 0, tokens: 0 });
  });

  it("sends at once when a batch is full", async () => {
    const h = harness();
    for (let i = 0; i < FLUSH_AT; i++) h.recorder.add("t", record(i), 1, h.waitUntil);
    expect(h.scheduled).toHaveLength(2); // the timer, and the full batch
    await h.settle();
    expect(h.sent[0]).toHaveLength(FLUSH_AT);
    expect(h.sent.flat()).toHaveLength(FLUSH_AT);
  });

  it("retries a failed send with the same usage ids, so an ambiguous failure never counts twice", async () => {
    const h = harness(["fail", "lost", "ok"]);
    h.recorder.add("t", record(1), 100, h.waitUntil);
    h.recorder.add("t", record(2), 100, h.waitUntil);
    await h.settle();
    expect(h.sent).toEqual([["u1", "u2"], ["u1", "u2"], ["u1", "u2"]]);
    expect([...h.applied]).toEqual(["u1", "u2"]);
    expect(h.accounts).toHaveLength(1);
    expect(h.recorder.unflushed("t").nanos).toBe(0);
  });

  it("keeps a batch that failed every attempt and sends it with the next record", async () => {
    const h = harness(["fail", "fail", "fail", "fail"]);
    h.recorder.add("t", record(1), 100, h.waitUntil);
    await h.settle();
    expect(h.sent).toHaveLength(4);
    expect(h.recorder.unflushed("t")).toEqual({ nanos: 100, tokens: 15 }); // still owed, still gating
    h.recorder.add("t", record(2), 100, h.waitUntil);
    await h.settle();
    expect(h.sent.at(-1)).toEqual(["u1", "u2"]);
    expect(h.recorder.unflushed("t").nanos).toBe(0);
  });

  it("keeps tenants apart", async () => {
    const h = harness();
    h.recorder.add("a", record(1), 100, h.waitUntil);
    h.recorder.add("b", record(2), 7, h.waitUntil);
    expect(h.recorder.unflushed("a").nanos).toBe(100);
    expect(h.recorder.unflushed("b").nanos).toBe(7);
    await h.settle();
    expect(h.sent).toEqual([["u1"], ["u2"]]);
  });

  it("forgets a tenant once everything it queued is acknowledged, not before", async () => {
    const h = harness(["fail", "fail", "fail", "fail"]);
    h.recorder.add("a", record(1), 100, h.waitUntil);
    expect(h.recorder.sizes()).toEqual({ queues: 1, unacknowledged: 1 });
    await h.settle();
    expect(h.recorder.sizes()).toEqual({ queues: 1, unacknowledged: 1 }); // failed: kept for the next flush
    h.recorder.add("a", record(2), 100, h.waitUntil);
    for (let i = 0; i < 1000; i++) h.recorder.add(`t${i}`, record(3 + i), 1, h.waitUntil);
    await h.settle();
    expect(h.recorder.sizes()).toEqual({ queues: 0, unacknowledged: 0 }); // a thousand tenants seen, none held
    expect(h.recorder.unflushed("a")).toEqual({ nanos: 0, tokens: 0 });
  });

  it("hands each batch to the durable queue before the object, and tries the object once", async () => {
    const h = harness(["fail"], {});
    h.recorder.add("t", record(1), 100, h.waitUntil);
    await h.settle();
    expect(h.queued).toEqual([["u1"]]);
    expect(h.sent).toEqual([["u1"]]); // one direct try: the queue delivers it anyway
    // Nothing waits in this isolate for more traffic to carry it: the queue has it.
    expect(h.recorder.sizes()).toEqual({ queues: 0, unacknowledged: 0 });
    expect(h.recorder.unflushed("t")).toEqual({ nanos: 0, tokens: 0 });
  });

  it("never lets a record the object refuses hold up the records behind it", async () => {
    const h = harness([], { poison: "u1" });
    h.recorder.add("t", record(1), 100, h.waitUntil);
    await h.settle();
    h.recorder.add("t", record(2), 100, h.waitUntil);
    await h.settle();
    expect(h.queued).toEqual([["u1"], ["u2"]]);
    expect(h.sent).toEqual([["u1"], ["u2"]]); // u2 went on its own, not behind u1
    expect(h.applied).toEqual(new Set(["u2"]));
    expect(h.accounts).toHaveLength(1);
    expect(h.recorder.sizes()).toEqual({ queues: 0, unacknowledged: 0 });
  });

  it("falls back to retried direct sends when the queue refuses a batch", async () => {
    const h = harness(["fail", "ok"], { refuse: true });
    h.recorder.add("t", record(1), 100, h.waitUntil);
    await h.settle();
    expect(h.sent).toEqual([["u1"], ["u1"]]);
    expect(h.applied).toEqual(new Set(["u1"]));
  });

  it("keeps the sums the gates read finite when a cost estimate is not a number", async () => {
    const h = harness([], {});
    h.recorder.add("t", record(1), Number.NaN, h.waitUntil);
    h.recorder.add("t", { ...record(2), output_tokens: Number.NaN }, 100, h.waitUntil);
    expect(h.recorder.unflushed("t")).toEqual({ nanos: 100, tokens: 25 });
    await h.settle();
    expect(h.sent).toEqual([["u1", "u2"]]); // the object prices (or sets aside) each record itself
  });

  it("holds at most MAX_WAITING records per tenant while nothing takes them, dropping the first in line with a log line", async () => {
    const errors = vi.spyOn(console, "error").mockImplementation(() => {});
    const h = harness(Array(100_000).fill("fail"), { refuse: true }); // neither the queue nor the object takes anything
    for (let i = 0; i < MAX_WAITING + 3; i++) {
      h.recorder.add("t", record(i), 1, h.waitUntil);
      if (i % 1_000 === 0 || i >= MAX_WAITING - 100) await h.settle(); // nothing in flight while the cap bites
    }
    await h.settle();
    expect(h.recorder.sizes()).toEqual({ queues: 1, unacknowledged: MAX_WAITING });
    expect(h.recorder.unflushed("t")).toEqual({ nanos: MAX_WAITING, tokens: 15 * MAX_WAITING });
    const dropped = errors.mock.calls.map((c) => String(c[0])).filter((m) => m.startsWith("usage record dropped"));
    expect(dropped).toHaveLength(3);
    errors.mockRestore();
  });
});
