// Durable Object location hints double as Meridian's regions (named in
// vocabulary/regions.ts). Each has a representative point used when a request
// carries no coordinates of its own.
import type { Region } from "../vocabulary/regions";

export interface GeoPoint {
  lat: number;
  lon: number;
}

export const REGION_CENTRES: Record<Region, GeoPoint> = {
  wnam: { lat: 37.4, lon: -122.1 }, // San Francisco Bay
  enam: { lat: 39.0, lon: -77.5 }, // Ashburn
  sam: { lat: -23.5, lon: -46.6 }, // São Paulo
  weur: { lat: 50.1, lon: 8.7 }, // Frankfurt
  eeur: { lat: 52.2, lon: 21.0 }, // Warsaw
  apac: { lat: 1.35, lon: 103.8 }, // Singapore
  oc: { lat: -33.9, lon: 151.2 }, // Sydney
  afr: { lat: -26.2, lon: 28.0 }, // Johannesburg
  me: { lat: 25.3, lon: 55.3 }, // Dubai
};

const MIDDLE_EAST = new Set(["AE", "SA", "QA", "KW", "BH", "OM", "IL", "JO", "LB", "SY", "IQ", "IR", "YE", "TR", "PS"]);

/** Maps Cloudflare's continent/country/longitude to the nearest location hint. */
export function regionOf(continent: string | undefined, country: string | undefined, lon: number): Region {
  switch (continent) {
    case "NA":
      return lon < -100 ? "wnam" : "enam";
    case "SA":
      return "sam";
    case "EU":
      return lon < 16 ? "weur" : "eeur";
    case "AF":
      return "afr";
    case "OC":
      return "oc";
    case "AS":
      return country && MIDDLE_EAST.has(country) ? "me" : "apac";
    default:
      return nearestRegion(lon);
  }
}

/** Without a continent, longitude alone is a fair guess. */
function nearestRegion(lon: number): Region {
  if (lon < -100) return "wnam";
  if (lon < -30) return "enam";
  if (lon < 16) return "weur";
  if (lon < 45) return "eeur";
  if (lon < 65) return "me";
  if (lon < 140) return "apac";
  return "oc";
}
