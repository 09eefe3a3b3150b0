// A per-GPU prefix cache of KV blocks, the way vLLM's automatic prefix
// caching behaves from the outside:
//
//  - a prompt is a list of full-block ids (BLOCK_TOKENS tokens each) that are
//    chained: an id names its block AND everything before it, so the same id
//    always follows the same id (fleet/prompt-blocks.ts builds them so; the
//    simulation's load generator must too);
//  - a request reuses the longest run of cached leading blocks, but always
//    computes at least its last token (the logits come from it), as vLLM does;
//  - blocks are inserted when a prompt's prefill completes; when full, the
//    least recently used block goes, a prompt's tail before its head (vLLM
//    frees a request's blocks tail first), so what stays is always a prefix;
//  - counters in tokens, like vLLM's prefix_cache_queries / _hits.
//
// It runs once per simulated request, millions of times, with prompts of
// hundreds of blocks, so it never walks a whole prompt it has seen before.
// Blocks form a forest (a block's parent is the block before it). Only
// leaves can be evicted, so the cache holds whole prefixes and a lookup is a
// binary search. Using a prompt stamps only its deepest block with the time:
// its ancestors cannot go before it anyway, and when a leaf goes its parent
// inherits its stamp, so a node's stamp, once it is a leaf, is the last use of
// anything under it, which makes evicting the leaf with the oldest stamp
// (a heap, stale entries skipped) exactly LRU. Cost per request: a binary
// search plus the blocks that are new. Slots and heap live in typed arrays,
// evicted slots are reused: no allocation per call once warm.
import { BLOCK_TOKENS } from "./gpu-profiles";

export { BLOCK_TOKENS };

/** Queries remembered for the recent hit rate (SGLang reports one). */
const RECENT = 64;
const NONE = -1;
/** parent[] of a free slot. */
const DEAD = -2;

export class PrefixCache {
  readonly capacity: number;
  /** Prompt tokens looked up, cumulative. */
  queriedTokens = 0;
  /** Of those, tokens found cached, cumulative. */
  hitTokens = 0;

  private readonly slotOf = new Map<string, number>();
  private keys: string[] = [];
  private parent = new Int32Array(0);
  private children = new Int32Array(0);
  /** Last use of the node's subtree (exact once it is a leaf). */
  private stamp = new Float64Array(0);
  private tick = 0;

  /** Min-heap of (stamp, slot) over leaves; entries go stale and are skipped. */
  private heapStamp = new Float64Array(0);
  private heapSlot = new Int32Array(0);
  private heapSize = 0;

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
    // Whole prefixes only: "block i is cached" is true up to some i, then false.
    let lo = 0;
    let hi = limit > 0 ? Math.min(blocks.length, Math.floor(limit)) : 0;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.slotOf.has(blocks[mid]!)) lo = mid + 1;
      else hi = mid;
    }
    return lo;
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

  /** Inserts (or refreshes) the first `count` blocks as the most recently used; evicts beyond capacity. */
  insert(blocks: readonly string[], count = blocks.length): void {
    const n = count > 0 ? Math.min(blocks.length, Math.floor(count), this.capacity) : 0;
    if (n === 0) return;
    const now = ++this.tick;
    const hit = this.lookup(blocks, n);
    let tip = hit > 0 ? this.slotOf.get(blocks[hit - 1]!)! : NONE;
    if (tip !== NONE) this.touch(tip, now); // first, so that making room below never takes it
    for (let i = hit; i < n; i++) {
      const key = blocks[i]!;
      const seen = this.slotOf.get(key);
      if (seen !== undefined) {
        // Only ids that break the chaining contract get here: keep the forest sound.
        this.touch(seen, now);
        tip = seen;
        continue;
      }
      const slot = this.take();
      if (slot === NONE) return;
      if (slot === tip) tip = NONE; // (ids that break the contract, again)
      this.keys[slot] = key;
      this.slotOf.set(key, slot);
      this.parent[slot] = tip;
      this.children[slot] = 0;
      this.stamp[slot] = now;
      if (tip !== NONE) this.children[tip]!++;
      tip = slot;
    }
    if (tip !== NONE && this.children[tip] === 0) this.push(now, tip);
  }

  /** Forget everything (the GPU restarted); counters stay. */
  clear(): void {
    this.slotOf.clear();
    this.keys = [];
    this.parent = new Int32Array(0);
    this.children = new Int32Array(0);
    this.stamp = new Float64Array(0);
    this.heapStamp = new Float64Array(0);
    this.heapSlot = new Int32Array(0);
    this.heapSize = 0;
  }

  private touch(slot: number, now: number): void {
    this.stamp[slot] = now;
    if (this.children[slot] === 0) this.push(now, slot);
  }

  /** A slot for a new block: a fresh one below capacity, else the least recently used leaf's. */
  private take(): number {
    const size = this.slotOf.size;
    if (size < this.capacity) {
      if (size >= this.parent.length) this.grow();
      return size;
    }
    for (;;) {
      if (this.heapSize === 0) return NONE;
      const s = this.heapSlot[0]!;
      const at = this.heapStamp[0]!;
      this.pop();
      if (this.parent[s] === DEAD || this.children[s] !== 0 || this.stamp[s] !== at) continue; // stale
      this.slotOf.delete(this.keys[s]!);
      const p = this.parent[s]!;
      this.parent[s] = DEAD;
      if (p !== NONE) {
        if (at > this.stamp[p]!) this.stamp[p] = at;
        if (--this.children[p]! === 0) this.push(this.stamp[p]!, p);
      }
      return s;
    }
  }

  private grow(): void {
    const size = Math.min(this.capacity, Math.max(1024, this.parent.length * 2));
    const parent = new Int32Array(size);
    const children = new Int32Array(size);
    const stamp = new Float64Array(size);
    parent.set(this.parent);
    children.set(this.children);
    stamp.set(this.stamp);
    this.parent = parent;
    this.children = children;
    this.stamp = stamp;
  }

  private push(at: number, slot: number): void {
    if (this.heapSize === this.heapSlot.length) this.growHeap();
    let i = this.heapSize++;
    const hs = this.heapStamp;
    const hl = this.heapSlot;
    while (i > 0) {
      const up = (i - 1) >> 1;
      if (hs[up]! <= at) break;
      hs[i] = hs[up]!;
      hl[i] = hl[up]!;
      i = up;
    }
    hs[i] = at;
    hl[i] = slot;
  }

  private pop(): void {
    const n = --this.heapSize;
    if (n === 0) return;
    const hs = this.heapStamp;
    const hl = this.heapSlot;
    const at = hs[n]!;
    const slot = hl[n]!;
    let i = 0;
    for (;;) {
      let c = 2 * i + 1;
      if (c >= n) break;
      if (c + 1 < n && hs[c + 1]! < hs[c]!) c++;
      if (hs[c]! >= at) break;
      hs[i] = hs[c]!;
      hl[i] = hl[c]!;
      i = c;
    }
    hs[i] = at;
    hl[i] = slot;
  }

  /** Double the heap, or, once it is mostly stale entries, rebuild it from the live leaves. */
  private growHeap(): void {
    const live = this.slotOf.size;
    if (this.heapSize >= 2 * live + 1024) {
      this.heapSize = 0;
      for (let s = 0; s < live; s++) {
        if (this.parent[s] !== DEAD && this.children[s] === 0) this.push(this.stamp[s]!, s);
      }
      if (this.heapSize < this.heapSlot.length) return;
    }
    const size = Math.max(1024, this.heapSlot.length * 2);
    const hs = new Float64Array(size);
    const hl = new Int32Array(size);
    hs.set(this.heapStamp.subarray(0, this.heapSize));
    hl.set(this.heapSlot.subarray(0, this.heapSize));
    this.heapStamp = hs;
    this.heapSlot = hl;
  }
}
