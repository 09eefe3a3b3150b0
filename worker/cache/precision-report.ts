// What the usage read-outs (`GET /v1/usage`, the admin tenant usage, the
// dashboard) say about the cache's measured precision; kept by the tenant's
// object (durable-objects/tenant/cache-precision.ts).

export interface CachePrecisionReport {
  /** Shadow calls whose answers were compared, and how they came out. */
  verified: number;
  agree: number;
  disagree: number;
  /** Shadow calls the comparison could not judge either way (not in precision). */
  unsure: number;
  /** Thumbs-down ratings of near-duplicate hits (wrong hits) and of exact hits (a bad stored answer). */
  thumbs_down: number;
  exact_thumbs_down: number;
  /** agree / (agree + disagree + thumbs_down) over the range; null without evidence. */
  precision: number | null;
  /** Its 95% Wilson score interval ([0, 1] without evidence). */
  wilson_low: number;
  wilson_high: number;
  target: number;
  threshold: { configured: number | null; tightened: number | null; effective: number };
  /** What the shadow calls cost: the operator pays, at the origins' list price. */
  shadow: { calls: number; input_tokens: number; output_tokens: number; operator_cost_usd: number };
}
