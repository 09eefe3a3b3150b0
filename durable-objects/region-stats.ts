import { DurableObject } from "cloudflare:workers";
import { KV_ORIGINS } from "../worker/kv-keys";
import type { OriginSnapshot } from "../worker/origins/snapshot";
import type { Observation } from "../worker/stats/observation";
import { DEFAULT_BREAKER, type BreakerConfig } from "../worker/health/breaker";
import { OriginStats, type OriginStatsData } from "../worker/stats/origin-stats";
import { probe } from "../worker/health/probe";
import type { RegionSnapshot } from "../worker/stats/region-snapshot";
import { numberVar } from "../worker/env";
import { own, setOwn } from "../worker/own";
import type { EngineLoad } from "../worker/stats/engine-load";
import { engineLoadMs, isFresh, REGION_PULL_INTERVALS } from "../worker/stats/engine-load-freshness";

/** Summaries are rebuilt at most this often, however many isolates ask. */
const SNAPSHOT_REUSE_MS = 250;
/** Probing stops when no isolate has reported or read for this long. */
const IDLE_AFTER_MS = 600_000;
const PROBE_TIMEOUT_MS = 3_000;

/**
 * One per region (`idFromName(region)`, created with that location hint): how
 * every origin looks from here. Isolates send observations in batches and
 * read snapshots; an alarm probes each origin's health endpoint. State lives
 * in memory and is written through to SQLite, one row per origin.
 */
export class RegionStats extends DurableObject<Env> {
  private readonly sql: SqlStorage;
  private readonly stats = new Map<string, OriginStats>();
  private region = "";
  private cached: RegionSnapshot | null = null;
  private lastActivity = 0;
  private readonly breaker: BreakerConfig;
  /** Every origin's engine load, as the one scraper last had it (in memory: it is stale in seconds anyway). */
  private loads: Record<string, EngineLoad> = {};
  private loadsPulledAt = 0;
  private pullingLoads = false;

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    this.breaker = { ...DEFAULT_BREAKER, coolDownMs: numberVar(env.CIRCUIT_COOL_DOWN_MS, DEFAULT_BREAKER.coolDownMs) };
    this.sql = ctx.storage.sql;
    this.sql.exec(`CREATE TABLE IF NOT EXISTS origin_stats (origin TEXT PRIMARY KEY, body TEXT NOT NULL)`);
    this.sql.exec(`CREATE TABLE IF NOT EXISTS meta (k TEXT PRIMARY KEY, v TEXT NOT NULL)`);
    for (const row of this.sql.exec<{ origin: string; body: string }>(`SELECT origin, body FROM origin_stats`)) {
      this.stats.set(row.origin, OriginStats.from(JSON.parse(row.body) as OriginStatsData, this.breaker));
    }
    this.region = this.sql.exec<{ v: string }>(`SELECT v FROM meta WHERE k = 'region'`).toArray()[0]?.v ?? "";
  }

  async report(region: string, batch: Observation[]): Promise<void> {
    await this.touch(region);
    const now = Date.now();
    const changed = new Set<string>();
    for (const obs of batch.slice(0, 1000)) {
      this.statsFor(obs.origin).observe(obs, now);
      changed.add(obs.origin);
    }
    for (const origin of changed) this.persist(origin);
    this.cached = null;
  }

  async snapshot(region: string): Promise<RegionSnapshot> {
    await this.touch(region);
    const now = Date.now();
    this.pullLoads(now);
    if (this.cached && now - this.cached.at < SNAPSHOT_REUSE_MS) return this.cached;
    const origins: RegionSnapshot["origins"] = {};
    for (const [origin, s] of this.stats) origins[origin] = s.summary(now);
    // Each origin's current engine load; a reading older than a few intervals is dropped, not carried.
    const interval = engineLoadMs(this.env);
    for (const origin of Object.keys(this.loads)) {
      const load = own(this.loads, origin)!;
      if (!isFresh(load, now, interval, REGION_PULL_INTERVALS)) continue;
      // own(): an origin may be named `constructor`, which every plain object answers for.
      const summary = own(origins, origin) ?? new OriginStats(this.breaker).summary(now);
      summary.load = load;
      setOwn(origins, origin, summary);
    }
    this.cached = { region: this.region, at: now, origins };
    return this.cached;
  }

  /**
   * Asks the engine scraper for every origin's load at most once per
   * interval, in the background: a snapshot never waits for it, and the next
   * one carries what it brought.
   */
  private pullLoads(now: number): void {
    if (this.pullingLoads || now - this.loadsPulledAt < engineLoadMs(this.env)) return;
    this.pullingLoads = true;
    const pull = this.env.ENGINE_SCRAPER.get(this.env.ENGINE_SCRAPER.idFromName("global"))
      .loads()
      .then((loads) => {
        this.loads = loads;
        this.cached = null;
      })
      .catch(() => {
        // Keep what we had: it ages out on its own.
      })
      .finally(() => {
        this.loadsPulledAt = Date.now();
        this.pullingLoads = false;
      });
    this.ctx.waitUntil(pull);
  }

  /** Active probes of every origin in the registry, then the next alarm while the region is in use. */
  override async alarm(): Promise<void> {
    const registry = await this.env.KV.get<OriginSnapshot>(KV_ORIGINS, "json");
    const origins = registry?.origins ?? [];
    const results = await Promise.all(origins.map(async (o) => [o.id, await probe(o, PROBE_TIMEOUT_MS)] as const));
    const now = Date.now();
    for (const [origin, result] of results) {
      this.statsFor(origin).probed(result, now);
      this.persist(origin);
    }
    // Origins removed from the registry take their statistics with them: memory stays bounded.
    const known = new Set(origins.map((o) => o.id));
    for (const origin of [...this.stats.keys()]) {
      if (!known.has(origin) && registry) {
        this.stats.delete(origin);
        this.sql.exec(`DELETE FROM origin_stats WHERE origin = ?`, origin);
      }
    }
    this.cached = null;
    if (now - this.lastActivity < IDLE_AFTER_MS) await this.ctx.storage.setAlarm(now + this.probeInterval());
  }

  private statsFor(origin: string): OriginStats {
    let s = this.stats.get(origin);
    if (!s) this.stats.set(origin, (s = new OriginStats(this.breaker)));
    return s;
  }

  private persist(origin: string): void {
    const s = this.stats.get(origin);
    if (s) this.sql.exec(`INSERT OR REPLACE INTO origin_stats (origin, body) VALUES (?, ?)`, origin, JSON.stringify(s));
  }

  private async touch(region: string): Promise<void> {
    this.lastActivity = Date.now();
    if (!this.region && region) {
      this.region = region;
      this.sql.exec(`INSERT OR REPLACE INTO meta (k, v) VALUES ('region', ?)`, region);
    }
    if ((await this.ctx.storage.getAlarm()) === null) await this.ctx.storage.setAlarm(Date.now() + this.probeInterval());
  }

  private probeInterval(): number {
    return numberVar(this.env.PROBE_INTERVAL_MS, 10_000);
  }
}
