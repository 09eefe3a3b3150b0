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
  waivers: { type: "integer", description: "Answers an outcome rule of the price list did not charge (no completion, error finish, schema not followed)." },
  waived_usd: usd("What those answers would have cost."),
  batch_requests: { type: "integer", description: "Of requests: Batch API lines (POST /v1/batches), charged at the batch price." },
  batch_usd: usd("Of cost_usd: what those batch lines were charged."),
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
    agreement: {
      type: "object",
      description: "Only with a committed-spend agreement: this month's committed / used / remaining (nano-dollars and USD). Used is the month's charges net of refunds.",
      properties: {
        committed_nanos: { type: "integer" },
        used_nanos: { type: "integer" },
        remaining_nanos: { type: "integer" },
        shortfall_nanos: { type: "integer", description: "What the month falls short of the commitment (owed at month end)." },
        discount: { type: "number" },
        overage_multiplier: { type: "number" },
        committed_usd: { type: "number" },
        used_usd: { type: "number" },
        remaining_usd: { type: "number" },
      },
    },
  },
};

const refund: Json = {
  type: "object",
  required: ["request_id", "usage_id", "at", "date", "model", "key_id", "amount_nanos", "amount_usd"],
  properties: {
    request_id: { type: "string", description: "The x-request-id of the refunded call." },
    usage_id: { type: "string" },
    at: { type: "integer", description: "When refunded, milliseconds since the epoch." },
    date: { type: "string" },
    model: { type: "string" },
    key_id: { type: "string" },
    amount_nanos: { type: "integer", description: "Negative." },
    amount_usd: { type: "number" },
  },
};

const statementLine: Json = {
  type: "object",
  required: ["kind", "model", "date", "request_id", "requests", "input_tokens", "output_tokens", "cache_hits", "waivers", "amount_nanos", "cache_saved_nanos", "waived_nanos", "amount_usd"],
  properties: {
    kind: { enum: ["usage", "refund"] },
    model: { type: "string" },
    date: { type: ["string", "null"], description: "A refund's day; null for usage lines (the whole month)." },
    request_id: { type: ["string", "null"], description: "The refunded request; null for usage lines." },
    requests: { type: "integer" },
    input_tokens: { type: "integer" },
    output_tokens: { type: "integer" },
    cache_hits: { type: "integer" },
    waivers: { type: "integer" },
    amount_nanos: { type: "integer", description: "What the line adds to the month (a refund is negative)." },
    cache_saved_nanos: { type: "integer" },
    waived_nanos: { type: "integer" },
    within_commitment_nanos: { type: "integer", description: "With an agreement, on usage lines: the part of amount_nanos charged at the discount, within the commitment." },
    overage_nanos: { type: "integer", description: "With an agreement, on usage lines: the rest of amount_nanos (charged at the overage rate)." },
    amount_usd: { type: "number" },
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
      totals: { type: "object", required: Object.keys(counts), properties: { ...counts, refunded_usd: usd("Refunds dated in the range (calls rated down).") } },
      refunds: { type: "array", items: refund, description: "Refunds dated in the range: negative entries naming the request they refund." },
      account: { $ref: "#/components/schemas/Account" },
      cache_precision: cachePrecision,
    },
  },
  Statement: {
    type: "object",
    required: ["object", "tenant_id", "month", "lines", "total_nanos", "ledger_nanos", "agreement", "amount_due_nanos", "credits_added_nanos", "credit_entries", "total_usd", "amount_due_usd"],
    properties: {
      object: { const: "statement" },
      tenant_id: { type: "string" },
      month: { type: "string", description: "YYYY-MM (UTC)." },
      lines: { type: "array", items: statementLine },
      total_nanos: { type: "integer", description: "The lines' sum." },
      ledger_nanos: { type: "integer", description: "The usage ledger's own total for the month (net of refunds): equal to total_nanos." },
      agreement: { type: ["object", "null"], description: "committed / used / remaining / shortfall, nano-dollars." },
      amount_due_nanos: { type: "integer", description: "The total plus an agreement's shortfall." },
      credits_added_nanos: { type: "integer", description: "Prepaid credits added in the month (payments, not lines)." },
      credit_entries: { type: "integer" },
      total_usd: { type: "number" },
      amount_due_usd: { type: "number" },
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

export const statementParameters: Record<string, Json> = {
  month: { name: "month", in: "path", required: true, description: "The UTC month, YYYY-MM.", schema: { type: "string", pattern: "^\\d{4}-(0[1-9]|1[0-2])$" } },
  "statement.format": query("format", "`csv` for CSV (the same as `Accept: text/csv`), `json` (default).", { enum: ["json", "csv"] }),
};
