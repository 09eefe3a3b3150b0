import { env } from "cloudflare:workers";
import { runInDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { addKeyLimitsColumn, keyGrant, readLimits, storedLimits } from "./key-limits";

describe("key limits", () => {
  it("adds the column once to a keys table from before limits existed, keeping its keys", async () => {
    const stub = env.TENANT.get(env.TENANT.idFromName("key-limits-migration"));
    const rows = await runInDurableObject(stub, (_instance, state) => {
      const sql = state.storage.sql;
      sql.exec(`DROP TABLE IF EXISTS keys`);
      sql.exec(`CREATE TABLE keys (id TEXT PRIMARY KEY, hash TEXT NOT NULL UNIQUE, name TEXT, prefix TEXT NOT NULL, created_at INTEGER NOT NULL, revoked_at INTEGER)`);
      sql.exec(`INSERT INTO keys VALUES ('key_old', 'h1', NULL, 'mk-', 1, NULL)`);
      addKeyLimitsColumn(sql);
      addKeyLimitsColumn(sql); // a second start finds the column and does nothing
      sql.exec(`INSERT INTO keys VALUES ('key_new', 'h2', NULL, 'mk-', 2, NULL, ?)`, storedLimits({ rpm: 5 }));
      return sql.exec<{ id: string; limits: string | null }>(`SELECT id, limits FROM keys ORDER BY created_at`).toArray();
    });
    expect(rows).toEqual([
      { id: "key_old", limits: null },
      { id: "key_new", limits: '{"rpm":5}' },
    ]);
    expect(rows.map((r) => keyGrant("t1", r))).toEqual([
      { tenant_id: "t1", key_id: "key_old" },
      { tenant_id: "t1", key_id: "key_new", limits: { rpm: 5 } },
    ]);
  });

  it("stores no limits as null, so a grant carries limits only when there are some", () => {
    expect(storedLimits(undefined)).toBeNull();
    expect(storedLimits({})).toBeNull();
    expect(readLimits(storedLimits({ tpm: 1_000 }))).toEqual({ tpm: 1_000 });
  });
});
