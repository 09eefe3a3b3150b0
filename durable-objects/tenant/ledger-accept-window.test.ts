import { env } from "cloudflare:workers";
import { runInDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import type { UsageRecord } from "../../worker/metering/usage-record";
import { applyUsage, createLedgerTables, pruneUsageEvents } from "./ledger";

const DAY_MS = 86_400_000;
const NOW = Date.UTC(2026, 10, 20, 12);
const TERMS = { pricing: undefined, prepaid: false };

const record = (id: string, at: number): UsageRecord => ({
  id,
  request_id: `req-${id}`,
  key_id: "key_1",
  model: "llama-8b",
  origin: "o1",
  region: "weur",
  input_tokens: 10,
  output_tokens: 5,
  cache: "miss",
  stream: false,
  at,
  list_price: { input_per_m: 1, output_per_m: 2 },
});

/** A fresh ledger in a tenant object's own SQLite, with `run` applied to it. */
function withLedger<T>(name: string, run: (sql: SqlStorage) => T): Promise<T> {
  return runInDurableObject(env.TENANT.get(env.TENANT.idFromName(name)), (_instance, state) => {
    const sql = state.storage.sql;
    createLedgerTables(sql);
    return run(sql);
  });
}

const requests = (sql: SqlStorage) => sql.exec<{ n: number }>(`SELECT COALESCE(SUM(requests), 0) AS n FROM usage_daily`).one().n;

describe("ledger accept window", () => {
  it("charges a record up to 30 days old and refuses an older one", async () => {
    const applied = await withLedger("ledger-window-edges", (sql) => [
      applyUsage(sql, [record("fresh", NOW - 30 * DAY_MS + 1000)], TERMS, NOW).applied.length,
      applyUsage(sql, [record("stale", NOW - 30 * DAY_MS - 1000)], TERMS, NOW).applied.length,
      requests(sql),
    ]);
    expect(applied).toEqual([1, 0, 1]);
  });

  it("never charges twice a record replayed after its id was forgotten", async () => {
    // Applied once; 36 days later its id is pruned (35-day retention) and the same batch arrives again.
    const counts = await withLedger("ledger-window-replay", (sql) => {
      const old = record("replayed", NOW - 36 * DAY_MS);
      const first = applyUsage(sql, [old], TERMS, old.at + 1000).applied.length;
      pruneUsageEvents(sql, NOW);
      const forgotten = sql.exec(`SELECT 1 FROM usage_events WHERE id = ?`, old.id).toArray().length === 0;
      const replay = applyUsage(sql, [old], TERMS, NOW).applied.length;
      return { first, forgotten, replay, requests: requests(sql) };
    });
    expect(counts).toEqual({ first: 1, forgotten: true, replay: 0, requests: 1 });
  });
});
