import { describe, expect, it } from "vitest";
import { cacheDecision, ttlFrom } from "./decision";
import { DEFAULT_THRESHOLD } from "./similarity";

const on = { exact: true, semantic: false, ttl_s: 600, allow_tools: false };

describe("ttlFrom", () => {
  it("lets a request shorten its entry's life, to KV's minute at least", () => {
    expect(ttlFrom("120", 600)).toBe(120);
    expect(ttlFrom(" 300 ", 600)).toBe(300);
    expect(ttlFrom("119.6", 600)).toBe(120);
    expect(ttlFrom("5", 600)).toBe(60);
  });

  it("never lets it outlive the tenant's ttl_s", () => {
    expect(ttlFrom("601", 600)).toBe(600);
    expect(ttlFrom("2592000", 600)).toBe(600);
    expect(ttlFrom("1e300", 600)).toBe(600);
    expect(ttlFrom("Infinity", 600)).toBe(600);
  });

  it("ignores what is not a positive number of seconds", () => {
    for (const header of [null, "", "  ", "NaN", "abc", "-5", "0", "-Infinity", "12s"]) expect(ttlFrom(header, 600), String(header)).toBe(600);
  });
});

describe("cacheDecision", () => {
  it("takes the clamped time to live from x-meridian-cache-ttl", () => {
    const decide = (ttl: string) => cacheDecision(on, { temperature: 0 }, new Headers({ "x-meridian-cache-ttl": ttl }));
    expect(decide("90")).toMatchObject({ use: true, ttlS: 90 });
    expect(decide("99999999")).toMatchObject({ use: true, ttlS: 600 });
    expect(decide("-1")).toMatchObject({ use: true, ttlS: 600 });
  });
});

describe("the near-duplicate cut", () => {
  const semantic = { ...on, semantic: true };
  const decide = (settings: typeof semantic & { threshold?: number; verify_share?: number }, tightened?: number) => cacheDecision(settings, { temperature: 0 }, new Headers(), tightened);

  it("is the configured cut, or undefined (the shipped default), when nothing was tightened", () => {
    expect(decide(semantic)).toMatchObject({ threshold: undefined, verifyShare: 0.01 });
    expect(decide({ ...semantic, threshold: 0.95, verify_share: 0.2 })).toMatchObject({ threshold: 0.95, verifyShare: 0.2 });
  });

  it("is the stricter of the configured (or shipped) cut and the tightened one", () => {
    expect(decide(semantic, 0.999)).toMatchObject({ threshold: 0.999 });
    expect(decide({ ...semantic, threshold: 0.98 }, 0.97)).toMatchObject({ threshold: 0.98 });
    expect(decide(semantic, 0.1)).toMatchObject({ threshold: DEFAULT_THRESHOLD }); // never looser than the shipped default
  });

  it("ignores a tightened value that is not a cut", () => {
    for (const bad of [Number.NaN, -1, 2, Number.POSITIVE_INFINITY]) expect(decide({ ...semantic, threshold: 0.95 }, bad)).toMatchObject({ threshold: 0.95 });
  });
});
