// Wire schemas for money: a tenant's price list, budget and prepaid flag
// (parts of its profile), credit top-ups and the usage read-out's query.
import * as z from "zod/mini";

/** The cache discount when a tenant's price list does not set one. */
export const DEFAULT_CACHE_HIT_DISCOUNT = 0.5;
/** The Batch API discount when a tenant's price list does not set one (docs/batch.md). */
export const DEFAULT_BATCH_DISCOUNT = 0.5;

const usdPerMillion = z.number().check(z.minimum(0), z.maximum(1_000_000));
const share = z.number().check(z.minimum(0), z.maximum(1));
const modelName = z.string().check(z.minLength(1), z.maxLength(256));

/** USD per 1M tokens, the same shape as an origin's `price`. */
export const modelPrice = z.strictObject({ input_per_m: usdPerMillion, output_per_m: usdPerMillion });
export type ModelPrice = z.infer<typeof modelPrice>;

/** A volume tier: from this many tokens this month on, prices drop by `discount`. */
export const priceTier = z.strictObject({
  from_tokens: z.int().check(z.minimum(0)),
  discount: share,
});

/** A call rated down (`POST /v1/feedback`) soon enough is refunded, within monthly caps. */
export const feedbackRefund = z.strictObject({
  /** How long after the answer a thumbs-down still refunds it. */
  window_minutes: z.int().check(z.minimum(1), z.maximum(10_080)),
  /** Refunds this month may add up to at most this share of the month's charges (refunds included)... */
  max_share: z._default(share, 0.1),
  /** ...and number at most this many. */
  max_count: z._default(z.int().check(z.minimum(0), z.maximum(1_000_000)), 1_000),
});
export type FeedbackRefund = z.infer<typeof feedbackRefund>;

/** Charges for results, not attempts: each rule is checked by the meter on the answer itself. */
export const outcomeRules = z.strictObject({
  /** No charge for an answer with no completion tokens or an error finish. */
  zero_completion: z._default(z.boolean(), false),
  /** No charge for an answer to a strict `json_schema` request that does not validate against its schema. */
  structured_outputs: z._default(z.boolean(), false),
  feedback_refund: z.optional(feedbackRefund),
});
export type OutcomeRules = z.infer<typeof outcomeRules>;

/** What a tenant pays. Models without an entry cost what the serving origin charges. */
export const pricing = z.strictObject({
  models: z._default(z.record(modelName, modelPrice), {}),
  tiers: z._default(z.array(priceTier).check(z.maxLength(50)), []),
  /** Share of the price waived when the answer comes from the cache. */
  cache_hit_discount: z._default(share, DEFAULT_CACHE_HIT_DISCOUNT),
  /** Share of the price waived for a Batch API line (DEFAULT_BATCH_DISCOUNT when absent). */
  batch_discount: z.optional(share),
  outcomes: z.optional(outcomeRules),
});
export type Pricing = z.infer<typeof pricing>;

/** A monthly spending limit: `hard` refuses requests (402) once reached, `alert` only warns. */
export const budget = z.strictObject({
  monthly_usd: z.number().check(z.gt(0), z.maximum(1e9)),
  mode: z.enum(["hard", "alert"]),
  /** Share of the budget after which responses carry `x-meridian-budget` and the audit log notes it once a month. */
  alert_at: z._default(share, 0.8),
});
export type Budget = z.infer<typeof budget>;

/**
 * A committed-spend agreement: the tenant commits to `monthly_commit_nanos` a
 * UTC month. While the month's charges are below it, requests cost their
 * price × (1 − `discount`); once they reach it, price × `overage_multiplier`.
 */
export const agreement = z.strictObject({
  monthly_commit_nanos: z.int().check(z.minimum(1), z.maximum(9e15)),
  discount: share,
  overage_multiplier: z._default(z.number().check(z.minimum(0), z.maximum(10)), 1),
});
export type Agreement = z.infer<typeof agreement>;

/** The money fields of a tenant profile (spread into `tenantInput`). */
export const billingFields = {
  pricing: z.optional(pricing),
  agreement: z.optional(z.nullable(agreement)),
  budget: z.optional(z.nullable(budget)),
  /** Requests need a positive credit balance. */
  prepaid: z.optional(z.boolean()),
};

/** `POST /admin/v1/tenants/:id/credits`: a top-up, or a negative correction. */
export const creditsAdd = z.strictObject({
  amount_usd: z.number().check(z.minimum(-1e9), z.maximum(1e9), z.refine((n) => n !== 0, "must not be zero")),
  note: z.optional(z.string().check(z.maxLength(500))),
});

const isoDay = z.string().check(z.regex(/^\d{4}-\d{2}-\d{2}$/, "expected a date as YYYY-MM-DD"));

/** Query of `GET /v1/usage` and `GET /admin/v1/tenants/:id/usage`; dates are UTC and inclusive. */
export const usageQuery = z.strictObject({
  from: z.optional(isoDay),
  to: z.optional(isoDay),
  model: z.optional(modelName),
  key_id: z.optional(z.string().check(z.minLength(1), z.maxLength(64))),
});
export type UsageQuery = z.infer<typeof usageQuery>;

/** A statement's month, `YYYY-MM`. */
export const statementMonth = z.string().check(z.regex(/^\d{4}-(0[1-9]|1[0-2])$/, "expected a month as YYYY-MM"));

/** Query of the statement: `?format=csv` is the same as `Accept: text/csv`. */
export const statementQuery = z.strictObject({ format: z.optional(z.enum(["json", "csv"])) });
