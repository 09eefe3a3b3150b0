import { DurableObject } from "cloudflare:workers";
import { setOwn } from "../worker/own";
import type { Origin } from "../worker/schemas/admin";
import type { EngineLoad } from "../worker/stats/engine-load";
import { engineLoadMs, isFresh } from "../worker/stats/engine-load-freshness";
import { LoadSeries, type EngineLoadReadout } from "../worker/stats/engine-load-series";
import type { CounterState } from "../worker/stats/engine-metrics";
import { scrapeEngine } from "../worker/stats/engine-scrape";

/** Each read has this long (or half the interval, if shorter) for headers and body together. */
const SCRAPE_TIMEOUT_MS = 1_000;
/** Origins read at once (a Worker invocation opens six connections at a time anyway). */
const CONCURRENCY = 6;
/** An origin whose reads fail is retried after 2, 4, ... up to this many intervals, so dead or hostile ones do not slow every round. */
const MAX_BACKOFF_INTERVALS = 32;
/** Reading stops when no region or operator has asked for this long. */
const IDLE_AFTER_MS = 600_000;
/** With no origin to read, reads look at the registry again only this often (a registry write wakes it at once). */
const RECHECK_EMPTY_MS = 30_000;

/**
 * One for the world (`idFromName("global")`): reads every origin that names
 * its metrics once per `ENGINE_LOAD_MS`, on an alarm that runs while such
 * origins exist and someone reads the result. Region objects pull the latest
 * readings from here at most once per interval, so each origin is read once
 * per interval however many regions, PoPs and isolates route to it.
 * The latest readings and counters live in memory (they go stale in seconds);
 * the hour of minutes is stored, one row per origin, once a minute.
 */
export class EngineScraper extends DurableObject<Env> {
  private readonly sql: SqlStorage;
  private readonly latest = new Map<string, EngineLoad>();
  private readonly counters = new Map<string, CounterState>();
  private readonly series = new Map<string, LoadSeries>();
  private readonly failures = new Map<string, { count: number; retryAt: number }>();
  private lastRead = 0;
  /** The last round found no origin with metrics: until then reads do not restart the alarm; a registry write does (wake). */
  private quietUntil = 0;

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    this.sql = ctx.storage.sql;
    this.sql.exec(`CREATE TABLE IF NOT EXISTS load_series (origin TEXT PRIMARY KEY, body TEXT NOT NULL)`);
    for (const row of this.sql.exec<{ origin: string; body: string }>(`SELECT origin, body FROM load_series`)) {
      this.series.set(row.origin, LoadSeries.from(JSON.parse(row.body)));
    }
  }

  /** Every origin's current load (fresh readings only), by origin id. */
  async loads(): Promise<Record<string, EngineLoad>> {
    await this.keepReading();
    const now = Date.now();
    const out: Record<string, EngineLoad> = {};
    for (const [origin, load] of this.latest) if (isFresh(load, now, this.interval())) setOwn(out, origin, load);
    return out;
  }

  /** The current load and the last hour per origin read, for operators. */
  async readout(): Promise<EngineLoadReadout> {
    const loads = await this.loads();
    const now = Date.now();
    const origins: EngineLoadReadout["origins"] = {};
    for (const [origin, series] of this.series) setOwn(origins, origin, { load: Object.hasOwn(loads, origin) ? loads[origin]! : null, series: series.points(now) });
    return { at: now, intervalMs: this.interval(), origins };
  }

  /** The registry stored an origin that names its metrics: start reading now (a changed registration gets a fresh try). */
  async wake(): Promise<void> {
    this.quietUntil = 0;
    this.failures.clear();
    if ((await this.ctx.storage.getAlarm()) === null) await this.ctx.storage.setAlarm(Date.now());
  }

  override async alarm(): Promise<void> {
    const started = Date.now();
    let origins: Origin[] = [];
    try {
      origins = (await this.env.ORIGIN_REGISTRY.get(this.env.ORIGIN_REGISTRY.idFromName("global")).list()).filter((o) => o.metrics);
    } catch {
      // The registry did not answer: read nothing this round, try again next interval.
      if (this.lastRead > 0) await this.ctx.storage.setAlarm(started + this.interval());
      return;
    }
    const due = origins.filter((o) => (this.failures.get(o.id)?.retryAt ?? 0) <= started);
    let next = 0;
    const worker = async () => {
      while (next < due.length) await this.read(due[next++]!);
    };
    await Promise.all(Array.from({ length: Math.min(CONCURRENCY, due.length) }, worker));
    this.forgetAllBut(new Set(origins.map((o) => o.id)));
    this.quietUntil = origins.length === 0 ? Date.now() + RECHECK_EMPTY_MS : 0;
    if (origins.length > 0 && Date.now() - this.lastRead < IDLE_AFTER_MS) await this.ctx.storage.setAlarm(started + this.interval());
  }

  private async read(origin: Origin): Promise<void> {
    const reading = await scrapeEngine(origin, this.counters.get(origin.id) ?? null, Math.min(SCRAPE_TIMEOUT_MS, this.interval() / 2));
    if (!reading) {
      // The last reading ages out on its own; the next try waits longer each time.
      const count = (this.failures.get(origin.id)?.count ?? 0) + 1;
      this.failures.set(origin.id, { count, retryAt: Date.now() + this.interval() * Math.min(2 ** count, MAX_BACKOFF_INTERVALS) });
      return;
    }
    this.failures.delete(origin.id);
    // A vLLM page with no prefix-cache queries since the last one says nothing new about the cache: the last rate stands.
    const before = this.latest.get(origin.id);
    const quiet = reading.load.prefixHitRate === null && origin.metrics?.format === "vllm" && before?.prefixHitRate != null;
    this.latest.set(origin.id, quiet ? { ...reading.load, prefixHitRate: before.prefixHitRate } : reading.load);
    if (reading.counters) this.counters.set(origin.id, reading.counters);
    let series = this.series.get(origin.id);
    if (!series) this.series.set(origin.id, (series = LoadSeries.empty()));
    if (series.add(reading.load)) this.sql.exec(`INSERT OR REPLACE INTO load_series (origin, body) VALUES (?, ?)`, origin.id, JSON.stringify(series));
  }

  /** Origins that left the registry, or stopped naming metrics, take their state with them. */
  private forgetAllBut(keep: Set<string>): void {
    for (const origin of [...this.series.keys(), ...this.latest.keys(), ...this.failures.keys()]) {
      if (keep.has(origin)) continue;
      this.latest.delete(origin);
      this.counters.delete(origin);
      this.failures.delete(origin);
      if (this.series.delete(origin)) this.sql.exec(`DELETE FROM load_series WHERE origin = ?`, origin);
    }
  }

  /** A read keeps the alarm going (and starts it after an idle spell or a restart). */
  private async keepReading(): Promise<void> {
    this.lastRead = Date.now();
    if (this.lastRead >= this.quietUntil && (await this.ctx.storage.getAlarm()) === null) await this.ctx.storage.setAlarm(this.lastRead);
  }

  private interval(): number {
    return engineLoadMs(this.env);
  }
}
