// An origin's engine load over the last hour at one-minute resolution: the
// mean of every reading within each minute. A ring of 60 minutes, so memory
// and the stored row stay the same size however long the origin lives.
// Pure; round-trips through JSON for storage.
import type { EngineLoad } from "./engine-load";

export const MINUTE_MS = 60_000;
export const SERIES_MINUTES = 60;

/** One minute's means; `prefixHitRate` is null when no reading that minute had one. */
export interface LoadPoint {
  /** The minute's start (ms since epoch). */
  minute: number;
  readings: number;
  waiting: number;
  running: number;
  kvUsage: number;
  prefixHitRate: number | null;
}

/** What operators see per origin read (the engine scraper's read-out): the current reading and the last hour. */
export interface EngineLoadReadout {
  at: number;
  intervalMs: number;
  origins: Record<string, { load: EngineLoad | null; series: LoadPoint[] }>;
}

interface Bucket {
  minute: number;
  n: number;
  waiting: number;
  running: number;
  kv: number;
  hit: number;
  hitN: number;
}

export type LoadSeriesData = Bucket[];

export class LoadSeries {
  private constructor(private readonly buckets: Bucket[]) {}

  static empty(): LoadSeries {
    return new LoadSeries([]);
  }

  /** Restores stored data, dropping whatever is not a bucket (an older or damaged row). */
  static from(data: unknown): LoadSeries {
    if (!Array.isArray(data)) return LoadSeries.empty();
    const valid = data.filter((b): b is Bucket => typeof b === "object" && b !== null && ["minute", "n", "waiting", "running", "kv", "hit", "hitN"].every((k) => Number.isFinite((b as Record<string, unknown>)[k])));
    return new LoadSeries(valid.slice(-SERIES_MINUTES));
  }

  toJSON(): LoadSeriesData {
    return this.buckets;
  }

  /** Adds a reading; true when it opened a new minute (the moment to store the row). */
  add(load: EngineLoad): boolean {
    const minute = Math.floor(load.at / MINUTE_MS) * MINUTE_MS;
    let last = this.buckets[this.buckets.length - 1];
    // A reading older than the current minute (a clock step back) joins the current one.
    const opened = !last || minute > last.minute;
    if (opened) {
      this.buckets.push((last = { minute, n: 0, waiting: 0, running: 0, kv: 0, hit: 0, hitN: 0 }));
      if (this.buckets.length > SERIES_MINUTES) this.buckets.shift();
    }
    last!.n++;
    last!.waiting += load.waiting;
    last!.running += load.running;
    last!.kv += load.kvUsage;
    if (load.prefixHitRate !== null) {
      last!.hit += load.prefixHitRate;
      last!.hitN++;
    }
    return opened;
  }

  /** The minutes of the last hour before `now` that had readings, oldest first. */
  points(now: number): LoadPoint[] {
    const since = now - SERIES_MINUTES * MINUTE_MS;
    return this.buckets
      .filter((b) => b.minute > since && b.n > 0)
      .map((b) => ({
        minute: b.minute,
        readings: b.n,
        waiting: round(b.waiting / b.n),
        running: round(b.running / b.n),
        kvUsage: round(b.kv / b.n),
        prefixHitRate: b.hitN > 0 ? round(b.hit / b.hitN) : null,
      }));
  }
}

const round = (v: number) => Math.round(v * 1000) / 1000;
