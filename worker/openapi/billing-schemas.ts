// OpenAPI pieces for usage and credits: the read-outs' response shapes
// (worker/billing/account.ts) and the usage query parameters.
type Json = Record<string, unknown>;

const usd = (description: string): Json => ({ type: "number", description: `USD. ${description}` });
const counts: Record<string, Json> = {
  requests: { type: "integer" },
  input_tokens: { type: "integer" },
  output_tokens: { type: "integer" },
  cost_usd: usd("What the tenant was charged (tiers and cache discount applied)."),
  cache_hits: { type: "integer", description: "Answers from the cache or from a coalesced identical request." },
  saved_usd: usd("What the cache discount waived."),
};

const int = (description: string): Json => ({ type: "integer", description });
const unit = (description: string): Json => ({ type: "number", minimum: 0, maximum: 1, description });

/** The cache's measured precision (worker/cache/precision-report.ts). */
const cachePrecision: Json = {
  type: "object",
  description: "The near-duplicate cache's measured precision over the range (the whole tenant: not split by model or key). See docs/cache.md, \"Self-measurement in production\".",
  required: ["verified", "agree", "disagree", "unsure", "thumbs_down", "exact_thumbs_down", "precision", "wilson_low", "wilson_high", "target", "threshold", "shadow"],
  properties: {
    verified: int("Near-duplicate hits also answered by the origin (shadow calls) whose answers were compared."),
    agree: int("Shadow calls whose answer agreed with the cached one."),
    disagree: int("Shadow calls whose answer did not: wrong hits."),
    unsure: int("Shadow calls the comparison could not judge either way (not in precision)."),
    thumbs_down: int("Near-duplicate hits rated down on POST /v1/feedback: wrong hits (their entries were evicted)."),
    exact_thumbs_down: int("Exact hits rated down (entries evicted; not counted in precision: the stored answer was bad, not the match)."),
    precision: { type: ["number", "null"], description: "agree / (agree + disagree + thumbs_down); null without evidence." },
    wilson_low: unit("Lower end of its 95% Wilson score interval (0 without evidence)."),
    wilson_high: unit("Upper end (1 without evidence)."),
    target: unit("The tenant's precision_target (default 0.99)."),
    threshold: {
      type: "object",
      required: ["configured", "tightened", "effective"],
      properties: {
        configured: { type: ["number", "null"], description: "The tenant's cache.threshold; null: the shipped default." },
        tightened: { type: ["number", "null"], description: "The cut the measured precision tightened to; null: none." },
        effective: unit("The cut lookups use: the stricter of the two (higher is stricter)."),
      },
    },
    shadow: {
      type: "object",
      description: "The shadow calls' cost: the operator's, at the origins' list price; never in the tenant's totals, bill or budget.",
      required: ["calls", "input_tokens", "output_tokens", "operator_cost_usd"],
      properties: { calls: { type: "integer" }, input_tokens: { type: "integer" }, output_tokens: { type: "integer" }, operator_cost_usd: usd("Paid by the operator.") },
    },
  },
};

const account: Json = {
  type: "object",
  required: ["month", "spent_month_usd", "tokens_month", "credits_usd", "budget"],
  properties: {
    month: { type: "string", description: "The UTC month, YYYY-MM." },
    spent_month_usd: usd("Spent this month."),
    tokens_month: { type: "integer", description: "Input plus output tokens this month (volume tiers count these)." },
    credits_usd: { type: ["number", "null"], description: "Prepaid balance in USD; null unless the tenant is prepaid." },
    budget: {
      type: ["object", "null"],
      properties: {
        monthly_usd: { type: "number" },
        mode: { enum: ["hard", "alert"] },
        alert_at: { type: "number" },
        used: { type: "number", description: "Share of the monthly budget spent (may pass 1)." },
      },
    },
  },
};

const creditEntry: Json = {
  type: "object",
  required: ["seq", "at", "actor", "amount_usd", "note", "balance_usd"],
  properties: {
    seq: { type: "integer" },
    at: { type: "integer", description: "Milliseconds since the epoch." },
    actor: { type: "string", description: "Label of the admin token that added it." },
    amount_usd: { type: "number", description: "Negative for a correction." },
    note: { type: ["string", "null"] },
    balance_usd: { type: "number", description: "The balance right after this entry." },
  },
};

export const billingComponents: Record<string, Json> = {
  Account: account,
  Usage: {
    type: "object",
    required: ["object", "tenant_id", "from", "to", "data", "totals", "account", "cache_precision"],
    properties: {
      object: { const: "usage" },
      tenant_id: { type: "string" },
      from: { type: "string", description: "First UTC day, YYYY-MM-DD." },
      to: { type: "string", description: "Last UTC day, inclusive." },
      data: {
        type: "array",
        items: { type: "object", required: ["date", "model", ...Object.keys(counts)], properties: { date: { type: "string" }, model: { type: "string" }, ...counts } },
      },
      totals: { type: "object", required: Object.keys(counts), properties: counts },
      account: { $ref: "#/components/schemas/Account" },
      cache_precision: cachePrecision,
    },
  },
  CreditEntry: creditEntry,
  Credits: {
    type: "object",
    required: ["object", "tenant_id", "balance_usd", "prepaid", "data"],
    properties: {
      object: { const: "credits" },
      tenant_id: { type: "string" },
      balance_usd: { type: "number" },
      prepaid: { type: "boolean" },
      data: { type: "array", items: { $ref: "#/components/schemas/CreditEntry" }, description: "The journal, newest first (`?limit=`, `?before=<seq>`)." },
    },
  },
  CreditAdded: {
    allOf: [
      { $ref: "#/components/schemas/CreditEntry" },
      { type: "object", required: ["object", "tenant_id", "account"], properties: { object: { const: "credit_entry" }, tenant_id: { type: "string" }, account: { $ref: "#/components/schemas/Account" } } },
    ],
  },
};

const query = (name: string, description: string, schema: Json): Json => ({ name, in: "query", required: false, description, schema });
const day = { type: "string", pattern: "^\\d{4}-\\d{2}-\\d{2}$" };

export const usageParameters: Record<string, Json> = {
  "usage.from": query("from", "First UTC day (YYYY-MM-DD); default the first of this month.", day),
  "usage.to": query("to", "Last UTC day, inclusive; default today.", day),
  "usage.model": query("model", "Only this model.", { type: "string" }),
  "usage.key_id": query("key_id", "Only this API key.", { type: "string" }),
};
export const USAGE_QUERY = Object.keys(usageParameters);
