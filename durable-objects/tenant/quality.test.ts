import { env } from "cloudflare:workers";
import { runInDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { MAX_PENDING_RATINGS, evidence, pruneQuality, recordFeedback, recordOutcomes } from "./quality";

const DAY = 86_400_000;
const NOW = 100 * DAY;

describe("quality tables", () => {
  it("prunes stale pending ratings, old applied ratings and old outcomes, keeping recent ones", async () => {
    const stub = env.TENANT.get(env.TENANT.idFromName("quality-prune"));
    const left = await runInDurableObject(stub, (_instance, state) => {
      const sql = state.storage.sql;
      recordFeedback(sql, "stale-pending", 1, NOW - 2 * DAY);
      recordFeedback(sql, "fresh-pending", 1, NOW - 1_000);
      recordOutcomes(sql, [
        { request_id: "old-applied", model: "m", class: "chat", at: NOW - 40 * DAY },
        { request_id: "new-applied", model: "m", class: "chat", at: NOW - DAY },
      ]);
      recordFeedback(sql, "old-applied", 0, NOW - 40 * DAY);
      recordFeedback(sql, "new-applied", 0, NOW - DAY);
      pruneQuality(sql, NOW);
      return {
        feedback: sql.exec<{ request_id: string }>(`SELECT request_id FROM feedback ORDER BY request_id`).toArray().map((r) => r.request_id),
        outcomes: sql.exec<{ request_id: string }>(`SELECT request_id FROM auto_outcomes ORDER BY request_id`).toArray().map((r) => r.request_id),
        evidence: sql.exec<{ bad: number }>(`SELECT bad FROM quality_evidence WHERE model = 'm'`).one().bad,
      };
    });
    expect(left.feedback).toEqual(["fresh-pending", "new-applied"]);
    expect(left.outcomes).toEqual(["new-applied"]);
    expect(left.evidence).toBeGreaterThan(1); // what the pruned ratings taught stays
  });

  it("keeps at most MAX_PENDING_RATINGS ratings waiting, the newest", async () => {
    const stub = env.TENANT.get(env.TENANT.idFromName("quality-cap"));
    const left = await runInDurableObject(stub, (_instance, state) => {
      const sql = state.storage.sql;
      for (let i = 0; i < MAX_PENDING_RATINGS + 50; i++) recordFeedback(sql, `made-up-${i}`, 1, NOW - 60_000 + i);
      pruneQuality(sql, NOW);
      return {
        count: sql.exec<{ n: number }>(`SELECT COUNT(*) AS n FROM feedback`).one().n,
        oldest: sql.exec<{ request_id: string }>(`SELECT request_id FROM feedback ORDER BY at LIMIT 1`).one().request_id,
      };
    });
    expect(left).toEqual({ count: MAX_PENDING_RATINGS, oldest: "made-up-50" });
  });

  it("finds what to prune by index, not by scanning the tables", async () => {
    const stub = env.TENANT.get(env.TENANT.idFromName("quality-plan"));
    const plans = await runInDurableObject(stub, (_instance, state) => {
      const plan = (q: string) => state.storage.sql.exec<{ detail: string }>(`EXPLAIN QUERY PLAN ${q}`).toArray().map((r) => r.detail).join("; ");
      return [plan(`DELETE FROM feedback WHERE applied = 0 AND at < 1`), plan(`DELETE FROM auto_outcomes WHERE at < 1`)];
    });
    for (const p of plans) expect(p).toMatch(/USING (COVERING )?INDEX/);
  });

  it("keeps evidence for models named like Object.prototype keys as their own, and Object.prototype untouched", async () => {
    const stub = env.TENANT.get(env.TENANT.idFromName("quality-prototype-names"));
    const result = await runInDurableObject(stub, (_instance, state) => {
      const sql = state.storage.sql;
      const names = ["__proto__", "constructor", "toString"];
      recordOutcomes(sql, names.map((model, i) => ({ request_id: `r${i}`, model, class: "chat" as const, at: NOW })));
      names.forEach((_, i) => recordFeedback(sql, `r${i}`, 1, NOW));
      const read = evidence(sql);
      return {
        own: names.map((n) => Object.hasOwn(read, n) && Array.isArray((Object.getOwnPropertyDescriptor(read, n)!.value as Record<string, unknown>).chat)),
        polluted: "chat" in {},
      };
    });
    expect(result.own).toEqual([true, true, true]);
    expect(result.polluted).toBe(false);
  });
});
