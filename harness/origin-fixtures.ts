// Fixture builders for the pure routing tests.
import type { Candidate } from "../worker/routing/candidates";
import { REGION_CENTRES } from "../worker/routing/regions";
import type { Origin } from "../worker/schemas/admin";
import type { ModelSummary } from "../worker/stats/origin-stats";

/** An origin in Frankfurt serving `llama-8b` as `upstream-<id>`, at 1 / 2 USD per 1M tokens. */
export const testOrigin = (id: string, extra: Partial<Origin> = {}): Origin => ({
  id,
  base_url: `http://${id}.test/v1`,
  region: "weur",
  lat: 50,
  lon: 8,
  models: { "llama-8b": `upstream-${id}` },
  price: { input_per_m: 1, output_per_m: 2 },
  weight: 1,
  draining: false,
  updated_at: 0,
  ...extra,
});

/**
 * The point `km` east of `from` along a great circle: a test PoP at the
 * region's centre (Frankfurt for `weur`) is then `km` from the origin, so the
 * candidate's distance and the origin's place agree (routing takes the
 * region centre's trip out of measured TTFTs and puts the PoP's in).
 */
function eastOf(from: { lat: number; lon: number }, km: number): { lat: number; lon: number } {
  const rad = Math.PI / 180;
  const d = km / 6371.0088;
  const lat1 = from.lat * rad;
  const lat2 = Math.asin(Math.sin(lat1) * Math.cos(d));
  const lon2 = from.lon * rad + Math.atan2(Math.sin(d) * Math.cos(lat1), Math.cos(d) - Math.sin(lat1) * Math.sin(lat2));
  return { lat: lat2 / rad, lon: ((((lon2 / rad + 180) % 360) + 360) % 360) - 180 };
}

/** That origin as a routing candidate at `distanceKm` from a PoP at the weur centre (unless `extra` places it). */
export const testCandidate = (id: string, distanceKm: number, extra: Partial<Origin> = {}): Candidate => ({
  origin: testOrigin(id, { ...eastOf(REGION_CENTRES.weur, distanceKm), ...extra }),
  model: "llama-8b",
  upstreamModel: `upstream-${id}`,
  distanceKm,
  score: distanceKm,
});

/** A model's statistics summary: nothing measured unless `fields` says so. */
export const testModel = (fields: Partial<ModelSummary> = {}): ModelSummary => ({
  samples: 0,
  ttftMs: null,
  tpotMs: null,
  ttftP50: null,
  ttftP95: null,
  ttftP99: null,
  totalP50: null,
  totalP95: null,
  totalP99: null,
  ...fields,
});
