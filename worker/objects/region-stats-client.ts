// The isolate's side of the region statistics: a snapshot cache that never
// makes a request wait for the Durable Object, and an observation batcher
// that reports in the background (`waitUntil`).
import type { Observation } from "../stats/observation";
import type { RegionSnapshot } from "../stats/region-snapshot";
import { regionStatsObject } from "./stubs";

type WaitUntil = (p: Promise<unknown>) => void;

/** Successful observations go out at once when this many are waiting. */
export const FLUSH_AT = 32;

interface CachedSnapshot {
  snapshot: RegionSnapshot | null;
  fetchedAt: number;
  refreshing: boolean;
}

const snapshots = new Map<string, CachedSnapshot>();
const buffers = new Map<string, { batch: Observation[]; scheduled: boolean }>();

/** For the isolate read-out: regions with a snapshot or a buffer, and observations not yet reported. */
export function regionClientSizes(): { snapshots: number; buffers: number; observationsWaiting: number } {
  let waiting = 0;
  for (const b of buffers.values()) waiting += b.batch.length;
  return { snapshots: snapshots.size, buffers: buffers.size, observationsWaiting: waiting };
}

/** Counters for tests and read-outs: how often the object was actually called. */
export const clientCounters = { snapshotFetches: 0, reports: 0, observations: 0 };

/**
 * The freshest snapshot this isolate has, without waiting: a cold isolate
 * routes on distance priors alone (null) while the first fetch runs in the
 * background; a stale one is served while the next is fetched (when older than `refreshMs`).
 */
export function regionSnapshot(env: Env, region: string, refreshMs: number, waitUntil: WaitUntil): RegionSnapshot | null {
  let entry = snapshots.get(region);
  if (!entry) snapshots.set(region, (entry = { snapshot: null, fetchedAt: 0, refreshing: false }));
  if (!entry.refreshing && Date.now() - entry.fetchedAt > refreshMs) {
    entry.refreshing = true;
    const target = entry;
    clientCounters.snapshotFetches++;
    waitUntil(
      regionStatsObject(env, region)
        .snapshot(region)
        .then((s) => {
          target.snapshot = s;
          target.fetchedAt = Date.now();
        })
        .catch(() => {
          target.fetchedAt = Date.now(); // keep the old one, try again after the refresh interval
        })
        .finally(() => {
          target.refreshing = false;
        }),
    );
  }
  return entry.snapshot;
}

/**
 * Queues an observation. Failures go out at once (they may open a circuit);
 * successes are batched by count or by a short delay (`flushMs`, STATS_FLUSH_MS).
 */
export function observe(env: Env, region: string, obs: Observation, flushMs: number, waitUntil: WaitUntil): void {
  let buffer = buffers.get(region);
  if (!buffer) buffers.set(region, (buffer = { batch: [], scheduled: false }));
  buffer.batch.push(obs);
  clientCounters.observations++;
  if (!obs.ok || buffer.batch.length >= FLUSH_AT) {
    waitUntil(flush(env, region));
  } else if (!buffer.scheduled) {
    buffer.scheduled = true;
    waitUntil(new Promise((r) => setTimeout(r, flushMs)).then(() => flush(env, region)));
  }
}

async function flush(env: Env, region: string): Promise<void> {
  const buffer = buffers.get(region);
  if (!buffer || buffer.batch.length === 0) return;
  const batch = buffer.batch;
  buffer.batch = [];
  buffer.scheduled = false;
  clientCounters.reports++;
  try {
    await regionStatsObject(env, region).report(region, batch);
    // What we just reported should show in the next read, not a second later.
    const cached = snapshots.get(region);
    if (cached) cached.fetchedAt = 0;
  } catch {
    // Statistics are best effort: a lost batch only delays what routing learns.
  }
}
