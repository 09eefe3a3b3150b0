// Reads GET /admin/v1/isolate/structures (the sizes of the router isolate's
// in-memory maps, caches and buffers) and judges a run by it: what holds
// work in progress must be empty after the drain, bounded caches must stay
// within their bound, and an uncapped structure must not have grown.

import type { AdminClient } from "../../harness/admin-client";
import type { IsolateStructure as Structure } from "../../worker/isolate/structures";

export type { Structure };

export async function readStructures(admin: AdminClient): Promise<Structure[]> {
  return (await admin.call<{ data: Structure[] }>("GET", "/isolate/structures")).data;
}

/** Largest size seen per structure over a run's reads. */
export class PeakSizes {
  readonly peak = new Map<string, number>();

  add(read: readonly Structure[]): void {
    for (const s of read) this.peak.set(s.name, Math.max(this.peak.get(s.name) ?? 0, s.size));
  }
}

/** What is wrong with the isolate after a run, one line each (empty: nothing leaks). */
export function structureProblems(baseline: readonly Structure[], end: readonly Structure[], peak: ReadonlyMap<string, number>): string[] {
  const before = new Map(baseline.map((s) => [s.name, s.size]));
  const problems: string[] = [];
  for (const s of end) {
    const top = Math.max(peak.get(s.name) ?? 0, s.size);
    if (s.drains && s.size > 0) problems.push(`${s.name} still holds ${s.size} ${s.unit} after the drain (should be empty)`);
    else if (s.bound !== null && top > s.bound) problems.push(`${s.name} reached ${top}, over its bound of ${s.bound}`);
    else if (s.bound === null && !s.drains && s.size > (before.get(s.name) ?? 0)) {
      problems.push(`${s.name} has no bound and grew from ${before.get(s.name) ?? 0} to ${s.size} ${s.unit} after warm-up`);
    }
  }
  return problems;
}

/** Rows for the report: structure, baseline, peak, end, bound. */
export function structureRows(baseline: readonly Structure[], end: readonly Structure[], peak: ReadonlyMap<string, number>): string[][] {
  const before = new Map(baseline.map((s) => [s.name, s.size]));
  const n = (x: number, s: Structure) => (s.unit === "bytes" ? `${(x / 2 ** 20).toFixed(1)} MiB` : String(x));
  return end.map((s) => [
    s.name,
    n(before.get(s.name) ?? 0, s),
    n(Math.max(peak.get(s.name) ?? 0, s.size), s),
    n(s.size, s),
    s.drains ? "empty when idle" : s.bound === null ? "none" : n(s.bound, s),
  ]);
}
