import { describe, expect, it } from "vitest";
import { BOUNDED_LOAD_C, chooseByAffinity, hashString, rendezvousScore, type AffinityMember } from "./affinity";

const member = (id: string, load = 0, weight = 1): AffinityMember => ({ id, weight, load });
const ids = (n: number) => Array.from({ length: n }, (_, i) => `gpu-${i}`);
const keys = (n: number) => Array.from({ length: n }, (_, i) => hashString(`key-${i}`));

function pick(pool: AffinityMember[], key: number): string {
  return pool[chooseByAffinity(pool, key)!.index]!.id;
}

describe("rendezvous hashing", () => {
  it("gives each key one origin, spread evenly over the pool", () => {
    const pool = ids(8).map((id) => member(id));
    const counts = new Map<string, number>();
    for (const k of keys(8000)) counts.set(pick(pool, k), (counts.get(pick(pool, k)) ?? 0) + 1);
    expect(counts.size).toBe(8);
    for (const n of counts.values()) expect(n).toBeGreaterThan(800); // 1000 each +- noise
    for (const n of counts.values()) expect(n).toBeLessThan(1200);
  });

  it("is the same whatever the pool's order (every PoP and isolate agrees)", () => {
    const pool = ids(12).map((id) => member(id));
    const reversed = pool.slice().reverse();
    for (const k of keys(500)) expect(pick(reversed, k)).toBe(pick(pool, k));
  });

  it("moves only the keys of an origin that leaves, and only keys to one that joins", () => {
    const pool = ids(10).map((id) => member(id));
    const before = keys(5000).map((k) => pick(pool, k));
    const without = pool.filter((m) => m.id !== "gpu-3");
    const after = keys(5000).map((k) => pick(without, k));
    before.forEach((o, i) => {
      if (o !== "gpu-3") expect(after[i]).toBe(o);
    });
    const joined = [...pool, member("gpu-new")];
    const withNew = keys(5000).map((k) => pick(joined, k));
    let moved = 0;
    before.forEach((o, i) => {
      if (withNew[i] !== o) {
        expect(withNew[i]).toBe("gpu-new");
        moved++;
      }
    });
    expect(moved / 5000).toBeGreaterThan(0.06); // ~1/11
    expect(moved / 5000).toBeLessThan(0.12);
  });

  it("gives an origin of weight 2 about twice the keys", () => {
    const pool = [member("big", 0, 2), member("small-a"), member("small-b")];
    let big = 0;
    for (const k of keys(6000)) if (pick(pool, k) === "big") big++;
    expect(big / 6000).toBeGreaterThan(0.45);
    expect(big / 6000).toBeLessThan(0.55);
  });

  it("scores in (0, Infinity) for every key, hostile or not", () => {
    for (const k of [0, 1, 0xffffffff, hashString(""), hashString("__proto__")]) {
      const s = rendezvousScore(k, hashString("gpu"), 1);
      expect(s).toBeGreaterThan(0);
      expect(Number.isFinite(s)).toBe(true);
    }
  });
});

describe("bounded loads", () => {
  it("keeps the preferred origin while it is within c x the mean", () => {
    const pool = ids(4).map((id) => member(id, 4));
    const k = keys(1)[0]!;
    const choice = chooseByAffinity(pool, k)!;
    expect(choice.rank).toBe(0);
    expect(choice.spilled).toBeNull();
  });

  it("spills to the key's next rendezvous choice when its origin is over the bound, and says why", () => {
    const k = hashString("hot-tenant");
    const calm = ids(4).map((id) => member(id, 2));
    const preferred = pick(calm, k);
    // The preferred origin's queue grows: (12 + 1) > ceil(1.25 x (12 + 3 x 2 + 1) / 4) = 6.
    const loaded = calm.map((m) => (m.id === preferred ? member(m.id, 12) : m));
    const choice = chooseByAffinity(loaded, k)!;
    expect(loaded[choice.index]!.id).not.toBe(preferred);
    expect(choice.rank).toBe(1);
    expect(choice.spilled).toBe(`${preferred} load 12 > 5`);
    // The spill goes to the same second choice every time: a second warm cache, not a spray.
    const second = loaded[choice.index]!.id;
    const withoutPreferred = calm.filter((m) => m.id !== preferred);
    expect(pick(withoutPreferred, k)).toBe(second);
  });

  it("only spills the keys of the hot origin: affinity stays on for everyone else", () => {
    const pool = ids(4).map((id) => member(id, id === "gpu-0" ? 40 : 2));
    let spilled = 0;
    let kept = 0;
    for (const k of keys(2000)) {
      const preferred = pick(ids(4).map((id) => member(id)), k);
      const c = chooseByAffinity(pool, k)!;
      if (preferred === "gpu-0") {
        expect(c.spilled).not.toBeNull();
        spilled++;
      } else {
        expect(c.rank).toBe(0);
        kept++;
      }
    }
    expect(spilled).toBeGreaterThan(300);
    expect(kept).toBeGreaterThan(1200);
  });

  it("never sends a key to an origin over the bound while one under it exists (no death spiral)", () => {
    const pool = [member("a", 30), member("b", 29), member("c", 0), member("d", 1)];
    const total = 30 + 29 + 0 + 1 + 1;
    for (const k of keys(500)) {
      const chosen = pool[chooseByAffinity(pool, k)!.index]!;
      expect(chosen.load + 1).toBeLessThanOrEqual(Math.ceil((BOUNDED_LOAD_C * total) / 4));
    }
  });

  it("counts loads in whole requests: fractional in-flight estimates do not spill", () => {
    const pool = [member("a", 0.3), member("b", 0.04)];
    for (const k of keys(100)) expect(chooseByAffinity(pool, k)!.spilled).toBeNull();
  });

  it("has nothing to choose from an empty pool", () => {
    expect(chooseByAffinity([], 1)).toBeNull();
  });
});
