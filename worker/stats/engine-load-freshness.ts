// How often origins' engines are read, and when a reading is too old to route on.
import { numberVar } from "../env";
import type { EngineLoad } from "./engine-load";

/** `ENGINE_LOAD_MS` when it is not set: one read of each origin's metrics every two seconds, for the world. */
export const DEFAULT_ENGINE_LOAD_MS = 2_000;
/** A reading older than this many intervals is dropped, not carried (the engine stopped answering). */
export const STALE_AFTER_INTERVALS = 3;
/** A region pulls readings once per interval, so what it holds is up to one interval older than the scraper's: it allows that one more. */
export const REGION_PULL_INTERVALS = 1;

export function engineLoadMs(env: { ENGINE_LOAD_MS?: string }): number {
  return numberVar(env.ENGINE_LOAD_MS, DEFAULT_ENGINE_LOAD_MS);
}

/** `pullIntervals`: intervals the reading may have spent in transit on top (a region's own pull). */
export function isFresh(load: EngineLoad, now: number, intervalMs: number, pullIntervals = 0): boolean {
  return now - load.at <= (STALE_AFTER_INTERVALS + pullIntervals) * intervalMs;
}
