import { describe, expect, it } from "vitest";
import { distanceKm } from "./geo";

describe("distanceKm", () => {
  it("is zero for the same point", () => {
    expect(distanceKm({ lat: 50, lon: 8 }, { lat: 50, lon: 8 })).toBe(0);
  });

  it("matches known great-circle distances within 1%", () => {
    // London -> New York is about 5,570 km; Sydney -> Singapore about 6,300 km.
    expect(distanceKm({ lat: 51.5074, lon: -0.1278 }, { lat: 40.7128, lon: -74.006 })).toBeCloseTo(5570, -2);
    expect(distanceKm({ lat: -33.8688, lon: 151.2093 }, { lat: 1.3521, lon: 103.8198 })).toBeCloseTo(6300, -2);
  });

  it("takes the short way across the antimeridian", () => {
    expect(distanceKm({ lat: 0, lon: 179 }, { lat: 0, lon: -179 })).toBeLessThan(250);
  });
});
