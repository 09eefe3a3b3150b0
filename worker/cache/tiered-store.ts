// Three tiers for cache reads, nearest first: this isolate's memory, the point
// of presence's Cache API, then Workers KV (global, eventually consistent).
// A hit in a lower tier fills the ones above it. Writes go to all three.
import { TtlCache } from "../http/ttl-cache";

type WaitUntil = (p: Promise<unknown>) => void;

const CACHE_ORIGIN = "https://cache.meridian.internal";
/**
 * A key found nowhere is remembered as absent this long, so a burst of new
 * prompts does not read the same empty keys again and again. Writes from this
 * isolate replace the memory at once; other isolates' writes show after it.
 */
const ABSENT_TTL_MS = 2_000;

export class TieredStore<V> {
  private readonly memory: TtlCache<V | null>;

  constructor(
    /** Namespace in KV and the Cache API, e.g. `cache` or `band`. */
    private readonly prefix: string,
    memoryEntries: number,
    /** Memory keeps values at most this long, whatever their TTL. */
    private readonly memoryTtlMs: number,
  ) {
    this.memory = new TtlCache<V | null>(memoryEntries);
  }

  async get(kv: KVNamespace, key: string, waitUntil: WaitUntil): Promise<V | null> {
    const local = this.memory.get(key);
    if (local !== undefined) return local;

    const url = this.url(key);
    const edge = await caches.default.match(url).catch(() => undefined);
    if (edge) {
      const value = (await edge.json()) as V;
      this.memory.set(key, value, this.memoryTtlMs);
      return value;
    }

    const stored = await kv.get<{ value: V; expires: number }>(`${this.prefix}:${key}`, "json");
    const ttlS = stored ? Math.floor((stored.expires - Date.now()) / 1000) : 0;
    if (!stored || ttlS <= 0) {
      this.memory.set(key, null, ABSENT_TTL_MS);
      return null;
    }
    this.memory.set(key, stored.value, Math.min(this.memoryTtlMs, ttlS * 1000));
    waitUntil(this.putEdge(url, JSON.stringify(stored.value), ttlS));
    return stored.value;
  }

  async put(kv: KVNamespace, key: string, value: V, ttlS: number): Promise<void> {
    this.memory.set(key, value, Math.min(this.memoryTtlMs, ttlS * 1000));
    const expires = Date.now() + ttlS * 1000;
    const json = JSON.stringify(value); // once for both tiers
    await Promise.all([
      this.putEdge(this.url(key), json, ttlS),
      kv.put(`${this.prefix}:${key}`, kvCopy(json, expires), { expirationTtl: Math.max(60, ttlS) }),
    ]);
  }

  /** Updates only this isolate's memory (a write to the other tiers is on its way). */
  remember(key: string, value: V, ttlS: number): void {
    this.memory.set(key, value, Math.min(this.memoryTtlMs, ttlS * 1000));
  }

  /**
   * Removes a key from this isolate, this point of presence and KV. Other
   * points of presence keep a copy in their Cache API until it expires.
   */
  async evict(kv: KVNamespace, key: string): Promise<void> {
    this.memory.delete(key);
    // Written so that a runtime without the Cache API (a Durable Object) still deletes from KV.
    const edge = (async () => caches.default.delete(this.url(key)))().catch(() => false);
    await Promise.all([edge, kv.delete(`${this.prefix}:${key}`)]);
  }

  /** Removes a key from this isolate and this point of presence (another isolate deleted it from KV). */
  async evictHere(key: string): Promise<void> {
    this.memory.delete(key);
    await (async () => caches.default.delete(this.url(key)))().catch(() => false);
  }

  /** Forgets a key in this isolate (the other tiers expire on their own). */
  forget(key: string): void {
    this.memory.delete(key);
  }

  /** This isolate's memory tier: entries held and its bound (for the isolate read-out). */
  memorySize(): { size: number; bound: number } {
    return { size: this.memory.size, bound: this.memory.bound };
  }

  private url(key: string): string {
    return `${CACHE_ORIGIN}/${this.prefix}/${key}`;
  }

  private async putEdge(url: string, json: string, ttlS: number): Promise<void> {
    const res = new Response(json, { headers: { "content-type": "application/json", "cache-control": `max-age=${ttlS}` } });
    await caches.default.put(url, res).catch(() => {});
  }
}

/** KV's copy of a value already serialized as `json`: what `JSON.stringify({ value, expires })` gives. */
export function kvCopy(json: string, expires: number): string {
  return `{"value":${json},"expires":${JSON.stringify(expires)}}`;
}
