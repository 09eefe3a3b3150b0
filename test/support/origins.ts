// Fixture builders for the pure routing tests.
import type { Candidate } from "../../worker/routing/candidates";
import type { Origin } from "../../worker/schemas/admin";

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

/** That origin as a routing candidate at `distanceKm`. */
export const testCandidate = (id: string, distanceKm: number, extra: Partial<Origin> = {}): Candidate => ({
  origin: testOrigin(id, extra),
  upstreamModel: `upstream-${id}`,
  distanceKm,
  score: distanceKm,
});
