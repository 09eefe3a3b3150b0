// Stand-in for the RegionStats Durable Object (durable-objects/region-stats.ts):
// one OriginStats per origin for the whole region, fed by observation batches
// from the region's isolates and by active probes every 10 s, read by the
// isolates as a snapshot of summary() per origin. Snapshots are rebuilt once a
// second (isolates refresh every SNAPSHOT_REFRESH_MS = 1 s and read stale data
// in between); a batch carrying a failure gets a rebuild within 250 ms, as the
// real isolate re-reads right after reporting and the object reuses a
// snapshot for at most 250 ms. When the world scrapes the engines' /metrics
// (sim/scraper.ts), each origin's latest reading rides in the snapshot as
// `load`, as the real object adds it.
import { SETTING_DEFAULTS } from "../worker/settings";
import type { Observation } from "../worker/stats/observation";
import type { ProbeResult } from "../worker/health/probe";
import type { EngineLoad } from "../worker/stats/engine-load";
import { OriginStats } from "../worker/stats/origin-stats";
import type { RegionSnapshot } from "../worker/stats/region-snapshot";
import type { EventHandle, EventQueue } from "./event-queue";

const SNAPSHOT_REFRESH_MS = SETTING_DEFAULTS.snapshotRefreshMs;
const SNAPSHOT_REUSE_MS = 250;

export class RegionStatsSim {
  private readonly stats = new Map<string, OriginStats>();
  private current: RegionSnapshot;
  private builtAt = -Infinity;
  private early: EventHandle | null = null;
  /** summary() calls, for the run-time read-out. */
  summaries = 0;

  constructor(
    private readonly clock: EventQueue,
    readonly region: string,
    /** The world's latest engine readings, by origin id (none: the snapshots carry no load). */
    private readonly loads: ReadonlyMap<string, EngineLoad> | null = null,
  ) {
    this.current = { region, at: clock.now, origins: {} };
  }

  /** What isolates route on. */
  get snapshot(): RegionSnapshot {
    return this.current;
  }

  /** A 1 s tick rebuilds; call once to start the ticks (phase spreads regions apart). */
  start(phaseMs: number): void {
    const tick = () => {
      this.build();
      this.clock.after(SNAPSHOT_REFRESH_MS, tick);
    };
    this.clock.after(phaseMs, tick);
  }

  report(batch: readonly Observation[]): void {
    const now = this.clock.now;
    let failure = false;
    for (const obs of batch) {
      this.statsFor(obs.origin).observe(obs, now);
      if (!obs.ok) failure = true;
    }
    if (failure && !this.early) {
      this.early = this.clock.at(Math.max(now, this.builtAt + SNAPSHOT_REUSE_MS), () => {
        this.early = null;
        this.build();
      });
    }
  }

  probed(origin: string, result: ProbeResult): void {
    this.statsFor(origin).probed(result, this.clock.now);
  }

  private build(): void {
    const now = this.clock.now;
    const origins: RegionSnapshot["origins"] = {};
    const loads = this.loads;
    for (const [origin, s] of this.stats) {
      const load = loads?.get(origin);
      origins[origin] = load ? { ...s.summary(now), load } : s.summary(now);
    }
    this.summaries += this.stats.size;
    this.current = { region: this.region, at: now, origins };
    this.builtAt = now;
  }

  private statsFor(origin: string): OriginStats {
    let s = this.stats.get(origin);
    if (!s) this.stats.set(origin, (s = new OriginStats()));
    return s;
  }
}
