// Fixture builders for the pure routing tests.
import type { Candidate } from "../worker/routing/candidates";
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

/** That origin as a routing candidate at `distanceKm`. */
export const testCandidate = (id: string, distanceKm: number, extra: Partial<Origin> = {}): Candidate => ({
  origin: testOrigin(id, extra),
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
