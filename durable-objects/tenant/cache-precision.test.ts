import { env } from "cloudflare:workers";
import { runInDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import type { UsageRecord } from "../../worker/metering/usage-record";
import { screenUsage } from "../../worker/metering/usage-record-check";
import { NO_EVIDENCE } from "../../worker/cache/threshold-control";
import {
  cachePrecisionReport,
  cutState,
  evictionSeq,
  evictionsSince,
  judgeHit,
  MAX_EVICTIONS_SENT,
  noteEviction,
  pruneCachePrecision,
  recordShadowCalls,
  rememberHits,
  settleCut,
  splitShadow,
} from "./cache-precision";

const DAY = 86_400_000;
const NOW = Date.UTC(2026, 5, 15, 12);
const policy = { configured: 0.93, target: 0.99 };

const record = (over: Partial<UsageRecord>): UsageRecord => ({
  id: crypto.randomUUID(),
  request_id: "r",
  key_id: "k",
  model: "m",
  origin: "o",
  region: "weur",
  input_tokens: 1_000,
  output_tokens: 2_000,
  cache: "miss",
  stream: false,
  at: NOW,
  list_price: { input_per_m: 1, output_per_m: 2 },
  ...over,
});
const shadow = (verdict: "agree" | "disagree" | "none", over: Partial<UsageRecord> = {}) => record({ shadow: { verdict, answer_similarity: 0.5, hit_similarity: 0.95 }, ...over });

const inObject = <T>(name: string, fn: (sql: SqlStorage) => T) => runInDurableObject(env.TENANT.get(env.TENANT.idFromName(name)), (_i, state) => fn(state.storage.sql));

describe("cache precision tables", () => {
  it("counts each shadow call once, at list price, into the operator's column and the day's verdicts", async () => {
    const out = await inObject("precision-shadow", (sql) => {
      const twice = shadow("disagree");
      let state = recordShadowCalls(sql, [shadow("agree"), twice, shadow("none")], NO_EVIDENCE);
      state = recordShadowCalls(sql, [twice], state); // a retried batch
      return { state, report: cachePrecisionReport(sql, "2026-06-15", "2026-06-15", { ...policy, configuredByTenant: null }) };
    });
    expect(out.state).toMatchObject({ agree: 1, wrong: 1, worstWrong: 0.95 });
    expect(out.report).toMatchObject({ verified: 2, agree: 1, disagree: 1, precision: 0.5, shadow: { calls: 3, input_tokens: 3_000, output_tokens: 6_000 } });
    // 1000 in at $1/M + 2000 out at $2/M = $0.005 per call.
    expect(out.report.shadow.operator_cost_usd).toBeCloseTo(0.015, 9);
  });

  it("remembers hits, judges a thumbs-down once, and names the entry", async () => {
    const out = await inObject("precision-hits", (sql) => {
      sql.exec(`CREATE TABLE IF NOT EXISTS feedback (request_id TEXT PRIMARY KEY, rating REAL NOT NULL, at INTEGER NOT NULL, applied INTEGER NOT NULL)`);
      sql.exec(`INSERT INTO feedback VALUES ('rated-first', 0, ?, 0)`, NOW);
      const ratedFirst = rememberHits(sql, [
        record({ request_id: "sem", cache: "hit-semantic", cache_key: "key-sem", cache_similarity: 0.96 }),
        record({ request_id: "rated-first", cache: "hit-exact", cache_key: "key-exact" }),
        record({ request_id: "miss", cache: "miss" }),
      ]);
      const up = judgeHit(sql, "sem", 1, NOW, NO_EVIDENCE);
      const down = judgeHit(sql, "sem", 0, NOW, NO_EVIDENCE);
      const again = judgeHit(sql, "sem", 0, NOW, down.state);
      const unknown = judgeHit(sql, "__proto__", 0, NOW, NO_EVIDENCE);
      return { ratedFirst, up: up.key, down, again: again.key, unknown: unknown.key };
    });
    expect(out.ratedFirst).toEqual([{ requestId: "rated-first", key: "key-exact" }]);
    expect(out.up).toBeNull();
    expect(out.down.key).toBe("key-sem");
    expect(out.down.state).toMatchObject({ wrong: 1, worstWrong: 0.96 });
    expect(out.again).toBeNull();
    expect(out.unknown).toBeNull();
  });

  it("stores the cut and says when it changed", async () => {
    const out = await inObject("precision-cut", (sql) => {
      const first = settleCut(sql, { ...NO_EVIDENCE, wrong: 1, worstWrong: 0.95 }, policy, NOW);
      const second = settleCut(sql, { ...cutState(sql), agree: 1 }, policy, NOW);
      return { first, second, stored: cutState(sql) };
    });
    expect(out.first.changed).toBe(true);
    expect(out.first.state.cut).toBeCloseTo(0.9645, 6);
    expect(out.second.changed).toBe(false);
    expect(out.stored).toMatchObject({ cut: out.first.state.cut, agree: 1 });
  });

  it("numbers evictions and hands out those after a number, within the entries' lifetime, oldest first, in bounded rounds", async () => {
    const out = await inObject("precision-evictions", (sql) => {
      const none = evictionSeq(sql);
      noteEviction(sql, "expired", NOW - 2 * 3_600_000);
      noteEviction(sql, "k1", NOW - 1_000);
      const afterFirst = evictionSeq(sql);
      noteEviction(sql, "k2", NOW);
      for (let i = 0; i < MAX_EVICTIONS_SENT + 5; i++) noteEviction(sql, `bulk-${i}`, NOW);
      const first = evictionsSince(sql, afterFirst, 3_600_000, NOW);
      const rest = evictionsSince(sql, first.seq, 3_600_000, NOW);
      return { none, all: evictionsSince(sql, 0, 3_600_000, NOW), first, rest, newest: evictionSeq(sql) };
    });
    expect(out.none).toBe(0);
    expect(out.all.keys).toHaveLength(MAX_EVICTIONS_SENT);
    expect(out.all.keys.slice(0, 2)).toEqual(["k1", "k2"]); // the expired one is not handed out
    expect(out.first.keys[0]).toBe("k2");
    expect(out.first.seq).toBeLessThan(out.newest);
    expect(out.rest.keys).toEqual(["bulk-99", "bulk-100", "bulk-101", "bulk-102", "bulk-103", "bulk-104"]);
    expect(out.rest.seq).toBe(out.newest);
  });

  it("forgets hits after a day", async () => {
    const left = await inObject("precision-prune", (sql) => {
      rememberHits(sql, [record({ request_id: "old", cache: "hit-exact", cache_key: "a", at: NOW - 2 * DAY }), record({ request_id: "new", cache: "hit-exact", cache_key: "b" })]);
      pruneCachePrecision(sql, NOW);
      return sql.exec<{ request_id: string }>(`SELECT request_id FROM cache_hits`).toArray().map((r) => r.request_id);
    });
    expect(left).toEqual(["new"]);
  });
});

describe("shadow records on the wire", () => {
  it("are split from billed records, and set aside when malformed", () => {
    const { shadow: s, billed } = splitShadow([shadow("agree"), record({})]);
    expect([s.length, billed.length]).toEqual([1, 1]);
    const bad = [
      { ...shadow("agree"), shadow: { verdict: "maybe", answer_similarity: 0, hit_similarity: null } },
      { ...shadow("agree"), shadow: { verdict: "agree", answer_similarity: Number.NaN, hit_similarity: null } },
      { ...shadow("agree"), shadow: null },
      record({ cache_key: "" }),
      record({ cache_similarity: 7 }),
    ];
    expect(screenUsage(bad).setAside.map((x) => x.reason)).toEqual(["bad shadow", "bad shadow", "bad shadow", "bad cache_key", "bad cache_similarity"]);
  });
});
