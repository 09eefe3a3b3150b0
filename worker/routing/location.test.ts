import { describe, expect, it } from "vitest";
import { popLocation } from "./location";
import { regionOf } from "./regions";

const headers = (h: Record<string, string>) => new Headers(h);

describe("popLocation", () => {
  const paris = { latitude: "48.85", longitude: "2.35", continent: "EU", country: "FR" };

  it("reads request.cf", () => {
    expect(popLocation(paris, headers({}), false)).toEqual({ lat: 48.85, lon: 2.35, region: "weur", source: "cf" });
  });

  it("ignores the dev override headers outside dev mode", () => {
    const h = headers({ "x-meridian-dev-region": "apac", "x-meridian-dev-location": "1,103" });
    expect(popLocation(paris, h, false).region).toBe("weur");
  });

  it("honours the dev override headers in dev mode", () => {
    expect(popLocation(paris, headers({ "x-meridian-dev-region": "apac" }), true)).toMatchObject({ region: "apac", source: "dev-header" });
    expect(popLocation(paris, headers({ "x-meridian-dev-location": "-33.9,151.2" }), true)).toMatchObject({ lat: -33.9, lon: 151.2, region: "oc" });
  });

  it("falls back when the override is garbage or cf has no coordinates", () => {
    expect(popLocation(paris, headers({ "x-meridian-dev-location": "north,pole" }), true).source).toBe("cf");
    expect(popLocation(undefined, headers({ "x-meridian-dev-region": "mars" }), true)).toMatchObject({ source: "default", region: "enam" });
  });
});

describe("regionOf", () => {
  it("maps continents and longitudes onto location hints", () => {
    expect(regionOf("NA", "US", -122)).toBe("wnam");
    expect(regionOf("NA", "US", -74)).toBe("enam");
    expect(regionOf("EU", "PL", 21)).toBe("eeur");
    expect(regionOf("AS", "AE", 55)).toBe("me");
    expect(regionOf("AS", "JP", 139)).toBe("apac");
    expect(regionOf("OC", "AU", 151)).toBe("oc");
    expect(regionOf("SA", "BR", -46)).toBe("sam");
    expect(regionOf("AF", "ZA", 28)).toBe("afr");
  });
});
