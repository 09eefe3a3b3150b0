import { describe, expect, it } from "vitest";
import { ApiError } from "../http/errors";
import { usageRange, utcDay, utcMonth } from "./calendar";

const NOW = Date.parse("2026-03-17T23:59:59Z");

describe("calendar", () => {
  it("names UTC days and months", () => {
    expect(utcDay(NOW)).toBe("2026-03-17");
    expect(utcMonth(NOW)).toBe("2026-03");
    expect(utcDay(NOW + 1000)).toBe("2026-03-18");
  });

  it("defaults a read-out to this month so far", () => {
    expect(usageRange({}, NOW)).toEqual({ from: "2026-03-01", to: "2026-03-17" });
    expect(usageRange({ from: "2026-01-10" }, NOW)).toEqual({ from: "2026-01-10", to: "2026-03-17" });
    expect(usageRange({ from: "2025-03-18", to: "2026-03-18" }, NOW)).toEqual({ from: "2025-03-18", to: "2026-03-18" });
  });

  it("refuses impossible dates, reversed and overlong ranges with a 400", () => {
    const status = (q: { from?: string; to?: string }) => {
      try {
        usageRange(q, NOW);
        return 200;
      } catch (err) {
        return err instanceof ApiError ? err.status : 500;
      }
    };
    expect(status({ from: "2026-02-30" })).toBe(400);
    expect(status({ to: "2026-13-01" })).toBe(400);
    expect(status({ from: "2026-03-10", to: "2026-03-09" })).toBe(400);
    expect(status({ from: "2024-01-01", to: "2026-01-01" })).toBe(400);
  });
});

describe("calendar names remembered across calls", () => {
  it("names every moment right when calls jump between days, months and years", () => {
    const moments = [
      "2026-03-31T23:59:59.999Z", "2026-04-01T00:00:00.000Z", "2026-03-31T00:00:00.000Z", "2024-02-29T12:00:00Z",
      "2024-03-01T00:00:00Z", "1969-12-31T23:59:59.999Z", "1970-01-01T00:00:00Z", "2026-12-31T23:59:59.999Z", "2027-01-01T00:00:00Z",
    ].map((s) => Date.parse(s));
    for (let round = 0; round < 2; round++) {
      for (const ms of moments) {
        const iso = new Date(ms).toISOString();
        expect(utcDay(ms)).toBe(iso.slice(0, 10));
        expect(utcMonth(ms)).toBe(iso.slice(0, 7));
      }
    }
  });

  it("still refuses a moment that is not one", () => {
    utcDay(NOW);
    utcMonth(NOW);
    expect(() => utcDay(Number.NaN)).toThrow(RangeError);
    expect(() => utcMonth(Number.NaN)).toThrow(RangeError);
  });
});
