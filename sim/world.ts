// The simulated world: Cloudflare-like points of presence (real city
// coordinates, region from the worker's own regionOf) and GPU origins on
// several continents, all serving one public model.
import type { ProfileName } from "../fleet/gpu-profiles";
import { regionOf, type GeoPoint } from "../worker/routing/regions";
import type { Region } from "../worker/vocabulary/regions";
import type { Origin } from "../worker/schemas/admin";

export const MODEL = "llama-8b";

export interface Pop extends GeoPoint {
  readonly id: string;
  readonly country: string;
  readonly continent: string;
  readonly region: Region;
  /** Relative traffic at the local daily peak. */
  readonly weight: number;
}

export interface OriginSpec {
  readonly origin: Origin;
  readonly city: string;
  /** Timing table from fleet/gpu-profiles.ts: llama-1.5b stands for faster, pricier hardware. */
  readonly profile: ProfileName;
  /** Divides every step time (0.6 = an older or shared GPU). */
  readonly speed: number;
  /** Decode batch cap (vLLM max_num_seqs). */
  readonly maxBatch: number;
  /** KV-cache capacity in 16-token blocks (the engine's prefix cache lives in it). */
  readonly kvBlocks?: number;
  /** What its `/metrics` speaks; "none": routing sees only passive statistics. */
  readonly metrics: MetricsFormat;
}

export type MetricsFormat = "vllm" | "sglang" | "llamacpp" | "none";

type PopRow = [id: string, lat: number, lon: number, continent: string, country: string, weight: number];

const POP_ROWS: PopRow[] = [
  ["new-york", 40.71, -74.01, "NA", "US", 5],
  ["ashburn", 39.04, -77.49, "NA", "US", 3],
  ["chicago", 41.88, -87.63, "NA", "US", 3],
  ["atlanta", 33.75, -84.39, "NA", "US", 2],
  ["miami", 25.76, -80.19, "NA", "US", 2],
  ["toronto", 43.65, -79.38, "NA", "CA", 2],
  ["dallas", 32.78, -96.8, "NA", "US", 2.5],
  ["mexico-city", 19.43, -99.13, "NA", "MX", 2],
  ["denver", 39.74, -104.99, "NA", "US", 1.5],
  ["los-angeles", 34.05, -118.24, "NA", "US", 4],
  ["san-jose", 37.34, -121.89, "NA", "US", 4],
  ["seattle", 47.61, -122.33, "NA", "US", 2],
  ["sao-paulo", -23.55, -46.63, "SA", "BR", 3],
  ["buenos-aires", -34.6, -58.38, "SA", "AR", 1.5],
  ["bogota", 4.71, -74.07, "SA", "CO", 1.2],
  ["santiago", -33.45, -70.67, "SA", "CL", 1],
  ["london", 51.51, -0.13, "EU", "GB", 4],
  ["paris", 48.86, 2.35, "EU", "FR", 3],
  ["amsterdam", 52.37, 4.9, "EU", "NL", 3],
  ["frankfurt", 50.11, 8.68, "EU", "DE", 4],
  ["madrid", 40.42, -3.7, "EU", "ES", 2],
  ["milan", 45.46, 9.19, "EU", "IT", 2],
  ["stockholm", 59.33, 18.07, "EU", "SE", 1],
  ["vienna", 48.21, 16.37, "EU", "AT", 1],
  ["warsaw", 52.23, 21.01, "EU", "PL", 1.5],
  ["bucharest", 44.43, 26.1, "EU", "RO", 1],
  ["istanbul", 41.01, 28.98, "AS", "TR", 1.5],
  ["tel-aviv", 32.09, 34.78, "AS", "IL", 1],
  ["riyadh", 24.71, 46.68, "AS", "SA", 1],
  ["dubai", 25.2, 55.27, "AS", "AE", 1],
  ["cairo", 30.04, 31.24, "AF", "EG", 1],
  ["lagos", 6.52, 3.38, "AF", "NG", 1.2],
  ["nairobi", -1.29, 36.82, "AF", "KE", 0.8],
  ["johannesburg", -26.2, 28.05, "AF", "ZA", 1],
  ["mumbai", 19.08, 72.88, "AS", "IN", 3],
  ["delhi", 28.61, 77.21, "AS", "IN", 2],
  ["singapore", 1.35, 103.82, "AS", "SG", 2],
  ["jakarta", -6.21, 106.85, "AS", "ID", 1.5],
  ["hong-kong", 22.32, 114.17, "AS", "HK", 2],
  ["manila", 14.6, 120.98, "AS", "PH", 1],
  ["seoul", 37.57, 126.98, "AS", "KR", 2],
  ["tokyo", 35.68, 139.69, "AS", "JP", 4],
  ["perth", -31.95, 115.86, "OC", "AU", 0.6],
  ["melbourne", -37.81, 144.96, "OC", "AU", 1.5],
  ["sydney", -33.87, 151.21, "OC", "AU", 2],
  ["auckland", -36.85, 174.76, "OC", "NZ", 0.8],
];

export const POPS: readonly Pop[] = POP_ROWS.map(([id, lat, lon, continent, country, weight]) => ({
  id,
  lat,
  lon,
  continent,
  country,
  weight,
  region: regionOf(continent, country, lon),
}));

type OriginRow = [id: string, city: string, lat: number, lon: number, region: Region, profile: ProfileName, speed: number, maxBatch: number, inPerM: number, outPerM: number];

// Nearest is not always fastest or cheapest: London and Tokyo run faster
// hardware at a premium, Mumbai and Warsaw are cheap and slow, São Paulo,
// Sydney and Johannesburg are small.
const ORIGIN_ROWS: OriginRow[] = [
  ["ashburn", "Ashburn, VA", 39.04, -77.49, "enam", "llama-8b", 1.0, 128, 0.15, 0.6],
  ["oregon", "The Dalles, OR", 45.6, -121.18, "wnam", "llama-8b", 1.0, 64, 0.2, 0.8],
  ["sao-paulo", "São Paulo", -23.55, -46.63, "sam", "llama-8b", 0.6, 48, 0.12, 0.45],
  ["frankfurt", "Frankfurt", 50.11, 8.68, "weur", "llama-8b", 0.8, 48, 0.18, 0.7],
  ["london", "London", 51.51, -0.13, "weur", "llama-1.5b", 0.5, 48, 0.35, 1.2],
  ["warsaw", "Warsaw", 52.23, 21.01, "eeur", "llama-8b", 0.8, 64, 0.08, 0.3],
  ["mumbai", "Mumbai", 19.08, 72.88, "apac", "llama-8b", 0.7, 64, 0.07, 0.25],
  ["singapore", "Singapore", 1.35, 103.82, "apac", "llama-8b", 1.0, 64, 0.2, 0.75],
  ["tokyo", "Tokyo", 35.68, 139.69, "apac", "llama-1.5b", 0.6, 48, 0.3, 1.0],
  ["sydney", "Sydney", -33.87, 151.21, "oc", "llama-8b", 0.8, 32, 0.22, 0.85],
  ["johannesburg", "Johannesburg", -26.2, 28.05, "afr", "llama-8b", 0.7, 32, 0.12, 0.45],
];

export const ORIGINS: readonly OriginSpec[] = ORIGIN_ROWS.map(([id, city, lat, lon, region, profile, speed, maxBatch, inPerM, outPerM]) =>
  originSpec({ id, city, lat, lon, region, profile, speed, maxBatch, kvBlocks: undefined, metrics: "vllm", inPerM, outPerM }),
);

export interface OriginFields {
  id: string;
  city: string;
  lat: number;
  lon: number;
  region: Region;
  profile: ProfileName;
  speed: number;
  maxBatch: number;
  kvBlocks: number | undefined;
  metrics: MetricsFormat;
  inPerM: number;
  outPerM: number;
}

/** An origin as the worker's registry holds it, with the simulation's GPU description. */
export function originSpec({ id, city, lat, lon, region, profile, speed, maxBatch, kvBlocks, metrics, inPerM, outPerM }: OriginFields): OriginSpec {
  return {
    city,
    profile,
    speed,
    maxBatch,
    ...(kvBlocks !== undefined ? { kvBlocks } : {}),
    metrics,
    origin: {
      id,
      base_url: `https://${id}.gpu.example/v1`,
      region,
      lat,
      lon,
      models: { [MODEL]: MODEL },
      price: { input_per_m: inPerM, output_per_m: outPerM },
      auth: null,
      health_url: null,
      weight: 1,
      draining: false,
      updated_at: 0,
    },
  };
}
