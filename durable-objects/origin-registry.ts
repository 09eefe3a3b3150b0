import { DurableObject } from "cloudflare:workers";
import { KV_ORIGINS } from "../worker/kv-keys";
import { publishOrRetry } from "./kv-publication";
import type { Origin, OriginInput } from "../worker/schemas/admin";
import type { OriginSnapshot } from "../worker/origins/snapshot";

/**
 * The single source of truth for the origin fleet. Every write is stored in
 * SQLite, then the whole (small) list is published to KV under a new version
 * for the isolates' read path. A KV failure does not fail the write: the
 * alarm republishes the snapshot until KV takes it (see kv-publication.ts).
 */
export class OriginRegistry extends DurableObject<Env> {
  private readonly sql: SqlStorage;

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    this.sql = ctx.storage.sql;
    this.sql.exec(`CREATE TABLE IF NOT EXISTS origins (id TEXT PRIMARY KEY, body TEXT NOT NULL)`);
    this.sql.exec(`CREATE TABLE IF NOT EXISTS meta (k TEXT PRIMARY KEY, v INTEGER NOT NULL)`);
  }

  list(): Origin[] {
    return this.sql
      .exec<{ body: string }>(`SELECT body FROM origins ORDER BY id`)
      .toArray()
      .map((row) => JSON.parse(row.body) as Origin);
  }

  get(id: string): Origin | null {
    const row = this.sql.exec<{ body: string }>(`SELECT body FROM origins WHERE id = ?`, id).toArray()[0];
    return row ? (JSON.parse(row.body) as Origin) : null;
  }

  /** Creates or replaces an origin. `mustBeNew` turns an existing id into a conflict. */
  async put(id: string, input: OriginInput, mustBeNew = false): Promise<{ origin: Origin; created: boolean } | null> {
    const existing = this.get(id);
    if (existing && mustBeNew) return null;
    const origin: Origin = { id, ...input, updated_at: Date.now() };
    this.sql.exec(`INSERT OR REPLACE INTO origins (id, body) VALUES (?, ?)`, id, JSON.stringify(origin));
    await this.publish();
    if (origin.metrics) await this.wakeEngineScraper();
    return { origin, created: !existing };
  }

  async patch(id: string, changes: Partial<OriginInput>): Promise<Origin | null> {
    const existing = this.get(id);
    if (!existing) return null;
    const { id: _id, updated_at: _at, ...rest } = existing;
    return (await this.put(id, { ...rest, ...changes }))!.origin;
  }

  async delete(id: string): Promise<boolean> {
    const removed = this.sql.exec(`DELETE FROM origins WHERE id = ?`, id).rowsWritten > 0;
    if (removed) await this.publish();
    return removed;
  }

  /** The engine scraper sleeps while no origin names metrics; one that does wakes it (best effort: reads wake it too). */
  private async wakeEngineScraper(): Promise<void> {
    try {
      await this.env.ENGINE_SCRAPER.get(this.env.ENGINE_SCRAPER.idFromName("global")).wake();
    } catch {
      // The next region read restarts it after an idle spell or a restart.
    }
  }

  /** The current published snapshot (also what KV holds). */
  snapshot(): OriginSnapshot {
    const row = this.sql.exec<{ v: number }>(`SELECT v FROM meta WHERE k = 'version'`).toArray()[0];
    return { version: row?.v ?? 0, origins: this.list() };
  }

  private async publish(): Promise<void> {
    this.sql.exec(
      `INSERT INTO meta (k, v) VALUES ('version', 1) ON CONFLICT(k) DO UPDATE SET v = v + 1`,
    );
    await this.publishSnapshot();
  }

  /** Republishes the current snapshot after a failed publication. */
  override async alarm(): Promise<void> {
    await this.publishSnapshot();
  }

  private publishSnapshot(): Promise<void> {
    return publishOrRetry(this.ctx.storage, () => this.env.KV.put(KV_ORIGINS, JSON.stringify(this.snapshot())));
  }
}
