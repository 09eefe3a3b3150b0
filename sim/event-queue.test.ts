import { describe, expect, it } from "vitest";
import { EventQueue } from "./event-queue";

describe("EventQueue", () => {
  it("runs events in time order and advances the clock to each", () => {
    const q = new EventQueue();
    const seen: [string, number][] = [];
    for (const [name, at] of [["c", 30], ["a", 10], ["d", 40], ["b", 20]] as const) q.at(at, () => seen.push([name, q.now]));
    q.run();
    expect(seen).toEqual([["a", 10], ["b", 20], ["c", 30], ["d", 40]]);
    expect(q.now).toBe(40);
    expect(q.processed).toBe(4);
  });

  it("keeps scheduling order for events at the same time", () => {
    const q = new EventQueue();
    const seen: number[] = [];
    for (let i = 0; i < 50; i++) q.at(5, () => seen.push(i));
    q.run();
    expect(seen).toEqual([...Array(50).keys()]);
  });

  it("skips cancelled events", () => {
    const q = new EventQueue();
    const seen: string[] = [];
    q.at(1, () => seen.push("kept"));
    const h = q.at(2, () => seen.push("cancelled"));
    h.cancelled = true;
    q.run();
    expect(seen).toEqual(["kept"]);
    expect(q.processed).toBe(1);
  });

  it("runs events scheduled by events, including at the current time", () => {
    const q = new EventQueue();
    const seen: string[] = [];
    q.at(10, () => {
      seen.push("first");
      q.after(0, () => seen.push("same time"));
      q.after(5, () => seen.push(`later at ${q.now}`));
    });
    q.at(12, () => seen.push("between"));
    q.run();
    expect(seen).toEqual(["first", "same time", "between", "later at 15"]);
  });

  it("never goes back in time: an event for the past runs now", () => {
    const q = new EventQueue();
    let at = -1;
    q.at(100, () => q.at(50, () => (at = q.now)));
    q.run();
    expect(at).toBe(100);
  });

  it("stops at `until`, leaves later events queued and moves the clock there", () => {
    const q = new EventQueue();
    const seen: number[] = [];
    for (const t of [5, 15, 25]) q.at(t, () => seen.push(t));
    q.run(20);
    expect(seen).toEqual([5, 15]);
    expect(q.now).toBe(20);
    expect(q.size).toBe(1);
    q.run();
    expect(seen).toEqual([5, 15, 25]);
  });

  it("orders many random events like a sort", () => {
    const q = new EventQueue();
    const times: number[] = [];
    let x = 12345;
    for (let i = 0; i < 2000; i++) {
      x = (x * 1103515245 + 12345) % 2 ** 31;
      const t = x % 1000;
      times.push(t);
      q.at(t, () => seen.push(q.now));
    }
    const seen: number[] = [];
    q.run();
    expect(seen).toEqual(times.slice().sort((a, b) => a - b));
  });
});
