import { afterEach, describe, expect, it, vi } from "vitest";
import { RefreshedCopy } from "./refreshed-copy";

const env = {} as Env;

describe("RefreshedCopy", () => {
  afterEach(() => vi.useRealTimers());

  function setup(values: (number | null)[]) {
    const calls: string[] = [];
    const background: Promise<unknown>[] = [];
    const copy = new RefreshedCopy<number>(1_000, async (_env, id) => {
      calls.push(id);
      return values.shift() ?? null;
    }, 2);
    const waitUntil = (p: Promise<unknown>) => void background.push(p);
    return { copy, calls, background, waitUntil };
  }

  it("waits for the first load, then serves the copy and refreshes it in the background once stale", async () => {
    vi.useFakeTimers({ now: 0 });
    const { copy, calls, background, waitUntil } = setup([1, 2]);
    expect(await copy.get(env, "t", waitUntil)).toBe(1);
    expect(await copy.get(env, "t", waitUntil)).toBe(1);
    expect(calls).toEqual(["t"]);
    vi.setSystemTime(1_000);
    // Stale is served at once, and two requests start one refresh between them.
    expect(await Promise.all([copy.get(env, "t", waitUntil), copy.get(env, "t", waitUntil)])).toEqual([1, 1]);
    await Promise.all(background);
    expect(calls).toEqual(["t", "t"]);
    expect(await copy.get(env, "t", waitUntil)).toBe(2);
  });

  it("lets a value adopted during a refresh win over the refresh's older answer", async () => {
    vi.useFakeTimers({ now: 0 });
    const { copy, background, waitUntil } = setup([1, 2]);
    await copy.get(env, "t", waitUntil);
    vi.setSystemTime(5_000);
    await copy.get(env, "t", waitUntil);
    copy.adopt("t", 7);
    await Promise.all(background);
    expect(copy.known("t")).toBe(7);
  });

  it("keeps the copy when the object cannot be reached, and makes none on a cold failure", async () => {
    vi.useFakeTimers({ now: 10_000 });
    const { copy, calls, background, waitUntil } = setup([null, 3, null]);
    expect(await copy.get(env, "t", waitUntil)).toBeNull();
    expect(await copy.get(env, "t", waitUntil)).toBe(3);
    copy.expire("t");
    await copy.get(env, "t", waitUntil);
    await Promise.all(background);
    expect(copy.known("t")).toBe(3);
    expect(await copy.get(env, "t", waitUntil)).toBe(3); // failed refresh: no retry before freshMs
    expect(calls).toHaveLength(3);
  });

  it("holds a bounded number of tenants, dropping the oldest", () => {
    const { copy } = setup([]);
    copy.adopt("a", 1);
    copy.adopt("b", 2);
    copy.adopt("c", 3);
    expect([copy.known("a"), copy.known("b"), copy.known("c")]).toEqual([null, 2, 3]);
  });
});
