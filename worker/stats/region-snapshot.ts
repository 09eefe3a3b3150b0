import type { OriginSummary } from "./origin-stats";

/** What a region's statistics object hands to isolates: one summary per origin. */
export interface RegionSnapshot {
  region: string;
  /** When the object built it (ms since epoch). */
  at: number;
  origins: Record<string, OriginSummary>;
}
