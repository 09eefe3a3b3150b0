// One Worker isolate in one PoP (the simulation runs one per PoP): its own
// in-flight counts per origin, its hedge budget, and the observation batcher
// of worker/objects/region-stats-client.ts: failures go out at once, successes after
// STATS_FLUSH_MS (its default, 1 s) or when FLUSH_AT are waiting; a batch
// reaches the region's statistics one network trip later.
import { HedgeBudget } from "../worker/upstream/hedge-budget";
import { SETTING_DEFAULTS } from "../worker/settings";
import type { Observation } from "../worker/stats/observation";
import { FLUSH_AT } from "../worker/objects/region-stats-client";
import type { EventQueue } from "./event-queue";

const STATS_FLUSH_MS = SETTING_DEFAULTS.statsFlushMs;

export class Isolate {
  private batch: Observation[] = [];
  private scheduled = false;
  private readonly open = new Map<string, number>();
  readonly budget: HedgeBudget;

  constructor(
    private readonly clock: EventQueue,
    /** Delivers a batch to the region's statistics (after the trip there). */
    private readonly send: (batch: Observation[]) => void,
    hedgeRatio: number,
  ) {
    this.budget = new HedgeBudget(hedgeRatio);
  }

  readonly inFlight = (origin: string): number => this.open.get(origin) ?? 0;

  start(origin: string): void {
    this.open.set(origin, this.inFlight(origin) + 1);
  }

  end(origin: string): void {
    this.open.set(origin, Math.max(0, this.inFlight(origin) - 1));
  }

  observe(obs: Observation): void {
    this.batch.push(obs);
    if (!obs.ok || this.batch.length >= FLUSH_AT) this.flush();
    else if (!this.scheduled) {
      this.scheduled = true;
      this.clock.after(STATS_FLUSH_MS, () => this.flush());
    }
  }

  private flush(): void {
    if (this.batch.length === 0) return;
    const batch = this.batch;
    this.batch = [];
    this.scheduled = false;
    this.send(batch);
  }
}
