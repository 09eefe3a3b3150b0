import { describe, expect, it } from "vitest";
import { cacheDecision, ttlFrom } from "./decision";

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
