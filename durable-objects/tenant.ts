import { DurableObject } from "cloudflare:workers";
import { kvKey, kvTenant, type KeyGrant } from "../worker/kv-keys";
import type { TenantInput, TenantRecord } from "../worker/schemas/admin";

/** A key as the admin API shows it: never the secret, never the full hash. */
export type KeyInfo = {
  id: string;
  name: string | null;
  prefix: string;
  created_at: number;
  revoked_at: number | null;
};

type KeyRow = KeyInfo & { hash: string };

/**
 * One object per tenant: the source of truth for its profile and API key
 * hashes. It publishes what the read path needs (`tenant:<id>`, `key:<hash>`)
 * to KV; revocation deletes the KV grant.
 */
export class Tenant extends DurableObject<Env> {
  private readonly sql: SqlStorage;

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    this.sql = ctx.storage.sql;
    this.sql.exec(`CREATE TABLE IF NOT EXISTS profile (k TEXT PRIMARY KEY, body TEXT NOT NULL)`);
    this.sql.exec(
      `CREATE TABLE IF NOT EXISTS keys (id TEXT PRIMARY KEY, hash TEXT NOT NULL UNIQUE, name TEXT,
        prefix TEXT NOT NULL, created_at INTEGER NOT NULL, revoked_at INTEGER)`,
    );
  }

  info(): TenantRecord | null {
    const row = this.sql.exec<{ body: string }>(`SELECT body FROM profile WHERE k = 'tenant'`).toArray()[0];
    return row ? (JSON.parse(row.body) as TenantRecord) : null;
  }

  async upsert(id: string, input: TenantInput, mustBeNew = false): Promise<{ tenant: TenantRecord; created: boolean } | null> {
    const existing = this.info();
    if (existing && mustBeNew) return null;
    const now = Date.now();
    const tenant: TenantRecord = { id, ...input, created_at: existing?.created_at ?? now, updated_at: now };
    if (existing?.cache_generation) tenant.cache_generation = existing.cache_generation;
    await this.save(tenant);
    return { tenant, created: !existing };
  }

  /** Purges the tenant's cache (all of it, or one model's) by moving to a new key generation. */
  async purgeCache(model?: string): Promise<TenantRecord | null> {
    const tenant = this.info();
    if (!tenant) return null;
    const generation = tenant.cache_generation ?? { all: 0, models: {} };
    if (model) generation.models[model] = (generation.models[model] ?? 0) + 1;
    else generation.all += 1;
    tenant.cache_generation = generation;
    tenant.updated_at = Date.now();
    await this.save(tenant);
    return tenant;
  }

  private async save(tenant: TenantRecord): Promise<void> {
    this.sql.exec(`INSERT OR REPLACE INTO profile (k, body) VALUES ('tenant', ?)`, JSON.stringify(tenant));
    await this.env.KV.put(kvTenant(tenant.id), JSON.stringify(tenant));
  }

  /**
   * Records a key by its hash. Adding a hash that is already active returns
   * the existing key, which makes seeding with an imported key idempotent.
   */
  async addKey(hash: string, name: string | null, prefix: string): Promise<KeyInfo | null> {
    const tenant = this.info();
    if (!tenant) return null;
    const existing = this.sql.exec<KeyRow>(`SELECT * FROM keys WHERE hash = ?`, hash).toArray()[0];
    if (existing && existing.revoked_at === null) return publicKey(existing);
    if (existing) this.sql.exec(`DELETE FROM keys WHERE id = ?`, existing.id);

    const key: KeyInfo = { id: `key_${crypto.randomUUID().replaceAll("-", "").slice(0, 20)}`, name, prefix, created_at: Date.now(), revoked_at: null };
    this.sql.exec(
      `INSERT INTO keys (id, hash, name, prefix, created_at, revoked_at) VALUES (?, ?, ?, ?, ?, NULL)`,
      key.id, hash, name, prefix, key.created_at,
    );
    const grant: KeyGrant = { tenant_id: tenant.id, key_id: key.id };
    await this.env.KV.put(kvKey(hash), JSON.stringify(grant));
    return key;
  }

  listKeys(): KeyInfo[] {
    return this.sql.exec<KeyRow>(`SELECT * FROM keys ORDER BY created_at`).toArray().map(publicKey);
  }

  /** Revokes a key; the hash comes back so the caller can drop it from its caches. */
  async revokeKey(keyId: string): Promise<{ key: KeyInfo; hash: string } | null> {
    const row = this.sql.exec<KeyRow>(`SELECT * FROM keys WHERE id = ?`, keyId).toArray()[0];
    if (!row) return null;
    if (row.revoked_at === null) {
      row.revoked_at = Date.now();
      this.sql.exec(`UPDATE keys SET revoked_at = ? WHERE id = ?`, row.revoked_at, keyId);
      await this.env.KV.delete(kvKey(row.hash));
    }
    return { key: publicKey(row), hash: row.hash };
  }
}

function publicKey(row: KeyRow): KeyInfo {
  return { id: row.id, name: row.name, prefix: row.prefix, created_at: row.created_at, revoked_at: row.revoked_at };
}
