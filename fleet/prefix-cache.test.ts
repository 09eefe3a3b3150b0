import { describe, expect, it } from "vitest";
import { BLOCK_TOKENS, PrefixCache } from "./prefix-cache";

/** Block ids of a prompt: `prefix` names the content, so equal prefixes give equal leading ids. */
const blocks = (prefix: string, n: number, from = 0): string[] => Array.from({ length: n }, (_, i) => `${prefix}:${from + i}`);

describe("PrefixCache", () => {
  it("finds the longest run of cached leading blocks, and nothing after a gap", () => {
    const c = new PrefixCache(100);
    c.insert(blocks("a", 4));
    expect(c.lookup(blocks("a", 6))).toBe(4);
    expect(c.lookup(blocks("b", 4))).toBe(0);
    // Ids are chained (an id names its whole prefix): a prompt whose first block differs has other ids throughout.
    expect(c.lookup(blocks("x", 4))).toBe(0);
    expect(c.lookup(blocks("a", 6), 2)).toBe(2);
    expect(c.size).toBe(4);
  });

  it("query: cached tokens are whole blocks below the prompt's length, counted in tokens", () => {
    const c = new PrefixCache(100);
    expect(c.query(blocks("a", 4), 70)).toBe(0);
    c.insert(blocks("a", 4));
    expect(c.query(blocks("a", 4), 70)).toBe(4 * BLOCK_TOKENS);
    // A prompt of exactly 4 blocks computes its last token: the last block is recomputed.
    expect(c.query(blocks("a", 4), 64)).toBe(3 * BLOCK_TOKENS);
    expect(c.query(blocks("a", 4), 65)).toBe(4 * BLOCK_TOKENS);
    expect(c.queriedTokens).toBe(70 + 70 + 64 + 65);
    expect(c.hitTokens).toBe(64 + 48 + 64);
    expect(c.recentHitRate()).toBeCloseTo(176 / 269, 12);
  });

  it("evicts the least recently used blocks, a prompt's tail before its head", () => {
    const c = new PrefixCache(6);
    c.insert(blocks("a", 3));
    c.insert(blocks("b", 3));
    c.insert(blocks("a", 3)); // refreshes a: b is now the least recent
    c.insert(blocks("c", 2)); // evicts two of b's blocks: its tail first
    expect(c.lookup(blocks("a", 3))).toBe(3);
    expect(c.lookup(blocks("c", 2))).toBe(2);
    expect(c.lookup(blocks("b", 3))).toBe(1);
    expect(c.size).toBe(6);
    c.insert(blocks("d", 1)); // the last of b goes
    expect(c.lookup(blocks("b", 3))).toBe(0);
    expect(c.lookup(blocks("a", 3))).toBe(3);
  });

  it("a prompt longer than the cache keeps its head, and capacity 0 keeps nothing", () => {
    const c = new PrefixCache(5);
    c.insert(blocks("long", 50));
    expect(c.size).toBe(5);
    expect(c.lookup(blocks("long", 50))).toBe(5);
    const none = new PrefixCache(0);
    none.insert(blocks("a", 3));
    expect(none.lookup(blocks("a", 3))).toBe(0);
    expect(none.query(blocks("a", 3), 100)).toBe(0);
    for (const bad of [Number.NaN, -5]) {
      const c2 = new PrefixCache(bad);
      c2.insert(blocks("a", 3));
      expect(c2.size).toBe(0);
    }
    // An absurd capacity is capped (2^30 blocks), and arrays grow only with use.
    for (const huge of [Number.POSITIVE_INFINITY, 1.5e300]) {
      const c2 = new PrefixCache(huge);
      c2.insert(blocks("a", 3));
      expect([c2.capacity, c2.size]).toEqual([2 ** 30, 3]);
    }
  });

  it("hostile ids and token counts change nothing else", () => {
    const c = new PrefixCache(10);
    const hostile = ["__proto__", "constructor", "toString", "hasOwnProperty", ""];
    c.insert(hostile);
    expect(c.lookup(hostile)).toBe(5);
    expect(c.lookup(["__proto__", "prototype"])).toBe(1);
    for (const bad of [Number.NaN, -1, 0, Number.POSITIVE_INFINITY, 2 ** 60]) {
      expect(c.query(hostile, bad)).toBe(0);
    }
    expect(c.queriedTokens).toBe(0);
    expect(c.hitTokens).toBe(0);
    // A huge prompt is linear, not quadratic: 1M blocks through a 100k-block cache.
    const big = new PrefixCache(100_000);
    const huge = blocks("h", 1_000_000);
    big.insert(huge);
    expect(big.size).toBe(100_000);
    expect(big.query(huge, huge.length * BLOCK_TOKENS)).toBe(100_000 * BLOCK_TOKENS);
  });

  it("stays exact over many random operations (against a naive LRU)", () => {
    const cap = 40;
    const c = new PrefixCache(cap);
    const naive: string[] = []; // most recent last
    let seed = 7;
    const rnd = (n: number): number => ((seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) % n);
    for (let step = 0; step < 20_000; step++) {
      const p = blocks(`p${rnd(12)}`, 1 + rnd(12));
      if (rnd(2) === 0) {
        expect(c.lookup(p)).toBe(p.findIndex((b) => !naive.includes(b)) === -1 ? p.length : p.findIndex((b) => !naive.includes(b)));
      } else {
        c.insert(p);
        for (let i = p.length - 1; i >= 0; i--) {
          const at = naive.indexOf(p[i]!);
          if (at >= 0) naive.splice(at, 1);
          naive.push(p[i]!);
          if (naive.length > cap) naive.shift();
        }
      }
    }
    expect(c.size).toBe(naive.length);
  });

  it("ids that break the chaining contract give unspecified hit counts but never break the cache", () => {
    const c = new PrefixCache(50);
    let seed = 3;
    const rnd = (n: number): number => ((seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) % n);
    for (let step = 0; step < 20_000; step++) {
      const p = Array.from({ length: 1 + rnd(30) }, () => `b${rnd(80)}`); // repeats, cycles, any order
      if (rnd(2) === 0) {
        const k = c.lookup(p);
        expect(k >= 0 && k <= p.length).toBe(true);
      } else {
        c.insert(p);
        expect(c.size).toBeLessThanOrEqual(50);
      }
    }
    // Chained prompts behave again once the garbage is pushed out.
    for (let i = 0; i < 10; i++) c.insert(blocks(`fresh${i}`, 5));
    expect(c.lookup(blocks("fresh9", 5))).toBe(5);
    expect(c.lookup(blocks("fresh0", 5))).toBe(5);
  });

  it("clear forgets the blocks and keeps the counters", () => {
    const c = new PrefixCache(10);
    c.insert(blocks("a", 3));
    c.query(blocks("a", 3), 60);
    c.clear();
    expect(c.lookup(blocks("a", 3))).toBe(0);
    expect(c.hitTokens).toBe(48);
    c.insert(blocks("b", 12));
    expect(c.size).toBe(10);
  });
});
