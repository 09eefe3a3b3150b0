// The failure scenario played during every run, and the phases the report
// splits the run into.
import type { EventQueue } from "./event-queue";
import type { SimOrigin } from "./origin";

export interface Scenario {
  readonly durationMs: number;
  /** Requests arriving before this are left out of the tables (cold queues and statistics). */
  readonly warmupMs: number;
  readonly slowOrigin: string;
  readonly slowFactor: number;
  /** t1: the slow origin's prefill and decode become `slowFactor` times slower, for good. */
  readonly slowAt: number;
  readonly deadOrigin: string;
  /** t2: the dead origin's streams are cut and it stops answering (black hole). */
  readonly deadAt: number;
  /** After this long the black hole becomes "connection refused". */
  readonly blackholeMs: number;
  /** t3: it is back, empty and healthy. */
  readonly backAt: number;
}

export const PHASES = ["before slowdown", "slowdown", "outage", "recovery"] as const;

/** t1, t2, t3 at 25%, 50% and 70% of the run. */
export function scenarioFor(durationMs: number): Scenario {
  const minute = 60_000;
  const at = (share: number) => Math.round((durationMs * share) / minute) * minute;
  return {
    durationMs,
    warmupMs: minute,
    slowOrigin: "frankfurt",
    slowFactor: 4,
    slowAt: at(0.25),
    deadOrigin: "ashburn",
    deadAt: at(0.5),
    blackholeMs: Math.min(3 * minute, at(0.2) / 2),
    backAt: at(0.7),
  };
}

/** Phase index (into PHASES) of virtual time `t`. */
export function phaseOf(s: Scenario, t: number): number {
  return t < s.slowAt ? 0 : t < s.deadAt ? 1 : t < s.backAt ? 2 : 3;
}

/** Phase boundaries: [0, t1, t2, t3, end]. */
export function phaseBounds(s: Scenario): number[] {
  return [0, s.slowAt, s.deadAt, s.backAt, s.durationMs];
}

export function playScenario(s: Scenario, clock: EventQueue, origins: ReadonlyMap<string, SimOrigin>): void {
  const slow = origins.get(s.slowOrigin);
  const dead = origins.get(s.deadOrigin);
  if (!slow || !dead) throw new Error("scenario names an unknown origin");
  clock.at(s.slowAt, () => slow.slowDown(s.slowFactor));
  clock.at(s.deadAt, () => dead.crash("blackhole", clock.now));
  clock.at(s.deadAt + s.blackholeMs, () => dead.setHealth("refused"));
  clock.at(s.backAt, () => dead.setHealth("up"));
}
