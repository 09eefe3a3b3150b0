// A per-GPU prefix cache of KV blocks, the way vLLM's automatic prefix
// caching behaves from the outside:
//
//  - a prompt is a list of full-block hashes (BLOCK_TOKENS tokens each), each
//    covering its block and every block before it, so "block i is cached"
//    means "the first i+1 blocks of this prompt are cached";
//  - a request reuses the longest run of cached leading blocks, but always
//    computes at least its last token (the logits come from it), as vLLM does;
//  - blocks are inserted when a prompt's prefill completes; when full, the
//    least recently used block is evicted. A prompt's blocks are touched last
//    to first, so its first block is the most recent: eviction eats prompts
//    from the tail, never leaving a useless suffix behind a missing head;
//  - counters in tokens, like vLLM's prefix_cache_queries / _hits.
//
// It runs once per simulated request, millions of times: no allocation per
// call once full (evicted slots are reused), the LRU list lives in typed arrays.
import { BLOCK_TOKENS } from "./gpu-profiles";

export { BLOCK_TOKENS };

/** Queries remembered for the recent hit rate (SGLang reports one). */
const RECENT = 64;
const NONE = -1;

export class PrefixCache {
  readonly capacity: number;
  /** Prompt tokens looked up, cumulative. */
  queriedTokens = 0;
  /** Of those, tokens found cached, cumulative. */
  hitTokens = 0;

  private readonly slotOf = new Map<string, number>();
  private keys: string[] = [];
  private prev = new Int32Array(0);
  private next = new Int32Array(0);
  /** Least recently used slot (evicted first), most recently used slot. */
  private lru = NONE;
  private mru = NONE;

  private readonly recentQueried = new Float64Array(RECENT);
  private readonly recentHit = new Float64Array(RECENT);
  private recentAt = 0;
  private recentQueriedSum = 0;
  private recentHitSum = 0;

  constructor(capacityBlocks: number) {
    this.capacity = capacityBlocks > 0 ? Math.floor(Math.min(capacityBlocks, 2 ** 30)) : 0;
  }

  /** Blocks held. */
  get size(): number {
    return this.slotOf.size;
  }

  /** How many leading blocks of `blocks` (at most `limit`) are cached. No side effects. */
  lookup(blocks: readonly string[], limit = blocks.length): number {
    const n = Math.min(blocks.length, limit);
    let i = 0;
    while (i < n && this.slotOf.has(blocks[i]!)) i++;
    return i;
  }

  /**
   * A prompt of `promptTokens` tokens whose full blocks are `blocks` is about
   * to be prefilled: returns its cached tokens (a multiple of BLOCK_TOKENS,
   * below promptTokens) and counts the query.
   */
  query(blocks: readonly string[], promptTokens: number): number {
    const tokens = promptTokens > 0 && promptTokens < Number.MAX_SAFE_INTEGER ? Math.floor(promptTokens) : 0;
    const cached = tokens > 0 ? this.lookup(blocks, Math.floor((tokens - 1) / BLOCK_TOKENS)) * BLOCK_TOKENS : 0;
    this.queriedTokens += tokens;
    this.hitTokens += cached;
    const at = this.recentAt;
    this.recentQueriedSum += tokens - this.recentQueried[at]!;
    this.recentHitSum += cached - this.recentHit[at]!;
    this.recentQueried[at] = tokens;
    this.recentHit[at] = cached;
    this.recentAt = at + 1 === RECENT ? 0 : at + 1;
    return cached;
  }

  /** Hit rate (tokens) over the last queries, 0..1; 0 before any. */
  recentHitRate(): number {
    return this.recentQueriedSum > 0 ? this.recentHitSum / this.recentQueriedSum : 0;
  }

  /** Inserts or refreshes the first `count` blocks; evicts the least recently used beyond capacity. */
  insert(blocks: readonly string[], count = blocks.length): void {
    const n = Math.min(blocks.length, count, this.capacity);
    for (let i = n - 1; i >= 0; i--) {
      const key = blocks[i]!;
      const slot = this.slotOf.get(key);
      if (slot !== undefined) {
        this.unlink(slot);
        this.append(slot);
      } else {
        this.append(this.take(key));
      }
    }
  }

  /** Forget everything (the GPU restarted); counters stay. */
  clear(): void {
    this.slotOf.clear();
    this.keys = [];
    this.prev = new Int32Array(0);
    this.next = new Int32Array(0);
    this.lru = this.mru = NONE;
  }

  /** A free slot for `key`: a new one while below capacity, else the evicted LRU one. */
  private take(key: string): number {
    let slot: number;
    if (this.slotOf.size < this.capacity) {
      slot = this.slotOf.size;
      if (slot >= this.prev.length) this.grow();
    } else {
      slot = this.lru;
      this.unlink(slot);
      this.slotOf.delete(this.keys[slot]!);
    }
    this.keys[slot] = key;
    this.slotOf.set(key, slot);
    return slot;
  }

  private grow(): void {
    const size = Math.min(this.capacity, Math.max(1024, this.prev.length * 2));
    const prev = new Int32Array(size);
    const next = new Int32Array(size);
    prev.set(this.prev);
    next.set(this.next);
    this.prev = prev;
    this.next = next;
  }

  private unlink(slot: number): void {
    const p = this.prev[slot]!;
    const n = this.next[slot]!;
    if (p === NONE) this.lru = n;
    else this.next[p] = n;
    if (n === NONE) this.mru = p;
    else this.prev[n] = p;
  }

  private append(slot: number): void {
    this.prev[slot] = this.mru;
    this.next[slot] = NONE;
    if (this.mru === NONE) this.lru = slot;
    else this.next[this.mru] = slot;
    this.mru = slot;
  }
}
