import { REGION_CENTRES, regionOf, type GeoPoint } from "./regions";
import { isRegion, type Region } from "../vocabulary/regions";

export interface PopLocation extends GeoPoint {
  region: Region;
  /** Where the location came from, for the `x-meridian-region` story. */
  source: "cf" | "dev-header" | "default";
}

/** What this module reads of `request.cf`. */
export interface CfLocation {
  latitude?: string;
  longitude?: string;
  continent?: string;
  country?: string;
}

/**
 * Where this point of presence is. Production reads `request.cf`; under
 * `npm run dev` the headers `x-meridian-dev-region` and
 * `x-meridian-dev-location: <lat>,<lon>` let one machine play any PoP. They are
 * ignored unless dev mode is on.
 */
export function popLocation(cf: CfLocation | undefined, headers: Headers, devMode: boolean): PopLocation {
  if (devMode) {
    const dev = fromDevHeaders(headers);
    if (dev) return dev;
  }
  const lat = Number(cf?.latitude);
  const lon = Number(cf?.longitude);
  if (cf?.latitude && cf.longitude && Number.isFinite(lat) && Number.isFinite(lon)) {
    return { lat, lon, region: regionOf(cf.continent, cf.country, lon), source: "cf" };
  }
  return { ...REGION_CENTRES.enam, region: "enam", source: "default" };
}

function fromDevHeaders(headers: Headers): PopLocation | null {
  const region = headers.get("x-meridian-dev-region")?.trim().toLowerCase();
  const point = parsePoint(headers.get("x-meridian-dev-location"));
  if (point) {
    return { ...point, region: region && isRegion(region) ? region : regionOf(undefined, undefined, point.lon), source: "dev-header" };
  }
  if (region && isRegion(region)) return { ...REGION_CENTRES[region], region, source: "dev-header" };
  return null;
}

function parsePoint(value: string | null): GeoPoint | null {
  if (!value) return null;
  const [latText, lonText] = value.split(",");
  const lat = Number(latText);
  const lon = Number(lonText);
  if (!latText || !lonText || !Number.isFinite(lat) || !Number.isFinite(lon)) return null;
  if (Math.abs(lat) > 90 || Math.abs(lon) > 180) return null;
  return { lat, lon };
}
