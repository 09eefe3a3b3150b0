import { KV_ORIGINS } from "../kv-keys";
import type { Origin } from "../schemas/admin";

export interface OriginSnapshot {
  version: number;
  origins: Origin[];
}

const FRESH_MS = 2_000;
const EMPTY: OriginSnapshot = { version: 0, origins: [] };

let current: { snapshot: OriginSnapshot; fetchedAt: number } | null = null;
let refreshing: Promise<OriginSnapshot> | null = null;

/**
 * The origin list as this isolate sees it. Only the isolate's first request
 * waits for KV; after that a stale snapshot is served while one background
 * refresh (in `waitUntil`) fetches the next.
 */
export async function originSnapshot(kv: KVNamespace, waitUntil: (p: Promise<unknown>) => void): Promise<OriginSnapshot> {
  if (!current) return refresh(kv);
  if (Date.now() - current.fetchedAt > FRESH_MS && !refreshing) waitUntil(refresh(kv).catch(() => current?.snapshot));
  return current.snapshot;
}

function refresh(kv: KVNamespace): Promise<OriginSnapshot> {
  refreshing ??= kv
    .get<OriginSnapshot>(KV_ORIGINS, "json")
    .then((snapshot) => {
      remember(snapshot ?? EMPTY);
      return current!.snapshot;
    })
    .finally(() => {
      refreshing = null;
    });
  return refreshing;
}

/** Admin writes hand their result straight to this isolate; never goes backwards. */
export function remember(snapshot: OriginSnapshot): void {
  if (current && current.snapshot.version > snapshot.version) {
    current.fetchedAt = Date.now();
    return;
  }
  current = { snapshot, fetchedAt: Date.now() };
}
