// The world's /metrics scraper: every origin that publishes metrics is read
// once per interval for the whole world (not once per region or PoP), and the
// latest reading of each is what every region's snapshot carries. A reading
// is what the engine says at that instant: queue, batch, KV use, and the
// prefix-cache hit rate over the interval since the previous reading (from
// the engine's cumulative query and hit counters, as vLLM publishes them).
// An origin that does not answer (dead) has no reading until it does.
import type { EngineLoad } from "../worker/stats/engine-load";
import type { EventQueue } from "./event-queue";
import type { SimOrigin } from "./origin";

/** What an engine reports (sim/origin-engine.ts `load()`); cumulative prefix counters in tokens. */
export interface EngineReading {
  readonly waiting: number;
  readonly running: number;
  readonly kvUsage: number;
  readonly prefixQueriedTokens: number;
  readonly prefixHitTokens: number;
}

/** The engine's side: `load()` once it has a prefix cache, else its queue and batch alone. */
export interface LoadSource {
  readonly queued: number;
  readonly running: number;
  load?(): EngineReading;
}

export const SCRAPE_INTERVAL_MS = 2_000;

/** SEAM: the origin engine's `load()` arrives with its prefix cache; until then only queue and batch are known. */
export function readEngine(engine: LoadSource): EngineReading {
  return engine.load ? engine.load() : { waiting: engine.queued, running: engine.running, kvUsage: 0, prefixQueriedTokens: 0, prefixHitTokens: 0 };
}

export class LoadScraper {
  readonly latest = new Map<string, EngineLoad>();
  private readonly previous = new Map<string, EngineReading>();
  scrapes = 0;

  constructor(
    private readonly clock: EventQueue,
    private readonly origins: readonly SimOrigin[],
    private readonly intervalMs = SCRAPE_INTERVAL_MS,
  ) {}

  start(phaseMs: number): void {
    const tick = () => {
      this.scrape();
      this.clock.after(this.intervalMs, tick);
    };
    this.clock.after(phaseMs, tick);
  }

  scrape(): void {
    const now = this.clock.now;
    for (const o of this.origins) {
      const format = o.spec.metrics;
      if (format === "none") continue;
      if (o.health !== "up") {
        this.latest.delete(o.id);
        continue;
      }
      const r = readEngine(o.engine);
      const before = this.previous.get(o.id);
      this.previous.set(o.id, r);
      const queried = before ? r.prefixQueriedTokens - before.prefixQueriedTokens : 0;
      const hits = before ? r.prefixHitTokens - before.prefixHitTokens : 0;
      // llama.cpp's server publishes no prefix-cache counters.
      const prefixHitRate = format === "llamacpp" || queried <= 0 ? null : Math.min(1, Math.max(0, hits / queried));
      this.latest.set(o.id, { waiting: r.waiting, running: r.running, kvUsage: r.kvUsage, prefixHitRate, at: now });
      this.scrapes++;
    }
  }
}
