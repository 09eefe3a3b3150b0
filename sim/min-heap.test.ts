import { describe, expect, it } from "vitest";
import { mulberry32 } from "../harness/random";
import { MinHeap } from "./min-heap";

describe("MinHeap", () => {
  it("pops in order, keeping insertion order among equals under a seq tie-break", () => {
    const random = mulberry32(7);
    const items = Array.from({ length: 2_000 }, (_, seq) => ({ key: Math.floor(random() * 50), seq }));
    const heap = new MinHeap<(typeof items)[number]>((a, b) => a.key < b.key || (a.key === b.key && a.seq < b.seq));
    for (const item of items) heap.push(item);
    expect(heap.size).toBe(2_000);
    const out = [];
    for (let x = heap.pop(); x; x = heap.pop()) out.push(x);
    expect(out).toEqual([...items].sort((a, b) => a.key - b.key || a.seq - b.seq));
    expect(heap.pop()).toBeUndefined();
  });

  it("peeks without removing, and clears", () => {
    const heap = new MinHeap<number>((a, b) => a < b);
    for (const n of [5, 1, 3]) heap.push(n);
    expect([heap.peek(), heap.size]).toEqual([1, 3]);
    expect([...heap.values()].sort()).toEqual([1, 3, 5]);
    heap.clear();
    expect([heap.peek(), heap.size]).toEqual([undefined, 0]);
  });
});
