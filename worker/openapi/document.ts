// The OpenAPI 3.1 description of Meridian's HTTP API, served at GET /openapi.json.
// Request bodies come from the same zod schemas the routes validate with, so
// the document cannot drift from what is enforced. The route table below must
// list every route registered on the app: document.workerd.test.ts checks that.
import { SECRET_RULE } from "../vocabulary/secrets";
import * as z from "zod/mini";
import { cachePurge, keyCreate, keyUpdate, originCreate, originInput, originPatch, tenantCreate, tenantInput } from "../schemas/admin";
import { creditsAdd } from "../schemas/billing";
import { chatCompletionRequest, completionRequest, embeddingRequest, responsesRequest } from "../schemas/openai";
import { REGIONS } from "../vocabulary/regions";
import { feedbackInput } from "../schemas/feedback";
import { rulesRollback } from "../schemas/rules";
import { rulesDocument } from "../rules/document";
import { billingComponents, statementParameters, USAGE_QUERY, usageParameters } from "./billing-schemas";
import { batchComponents, batchCreateBody, fileUploadForm } from "./batch-schemas";

type Json = Record<string, unknown>;
type Method = "get" | "post" | "put" | "patch" | "delete";
type Auth = "tenantKey" | "adminToken" | null;
type ErrorStatus = 400 | 401 | 402 | 404 | 409 | 412 | 413 | 429 | 502 | 503 | 504;

interface Route {
  method: Method;
  /** OpenAPI style: `{id}`, not `:id`. */
  path: string;
  summary: string;
  tag: "health" | "v1" | "admin";
  auth: Auth;
  /** The zod schema the handler parses the JSON body with. */
  body?: z.ZodMiniType;
  /** Or, for a browser form, the JSON Schema of its urlencoded fields. */
  form?: Json;
  /** Or a multipart/form-data upload's fields. */
  multipart?: Json;
  /** Or a JSON body checked by hand (its JSON Schema). */
  jsonBody?: Json;
  /** Path parameters, by component name (see `parameters` below). */
  params?: string[];
  /** Accepts the `x-meridian-*` steering headers. */
  steering?: boolean;
  /** Success status -> a description and a body schema (inline or a component $ref). */
  ok: Partial<Record<200 | 201 | 202 | 303, [description: string, schema: Json]>>;
  /** The success body's media type (default application/json). */
  media?: "text/html" | "application/jsonl";
  /** The success body may also come as CSV (`Accept: text/csv` or `?format=csv`). */
  csv?: true;
  errors: ErrorStatus[];
}

/** zod -> JSON Schema 2020-12 (what OpenAPI 3.1 embeds), without the `$schema` marker. */
function jsonSchema(schema: z.ZodMiniType, io: "input" | "output" = "input"): Json {
  const { $schema: _, ...rest } = z.toJSONSchema(schema, { io, unrepresentable: "any" }) as Json;
  return rest;
}

const ref = (kind: "schemas" | "parameters" | "responses", name: string): Json => ({ $ref: `#/components/${kind}/${name}` });
const object = (description: string): Json => ({ type: "object", description });
const list = (items: Json): Json => ({
  type: "object",
  required: ["object", "data"],
  properties: { object: { const: "list" }, data: { type: "array", items } },
});

const ERROR_DESCRIPTIONS: Record<ErrorStatus, string> = {
  400: "Invalid request: body, path id or steering header failed validation.",
  401: "Missing or invalid bearer token.",
  404: "Not found (or model not served / not allowed for this tenant).",
  402: "The tenant's prepaid credits or hard monthly budget would be exceeded.",
  409: "Already exists (for feedback: the request was already rated).",
  412: "If-Match names a rules version that is no longer current.",
  413: "Request body exceeds the size limit.",
  429: "Rate limit (requests or tokens per minute) exceeded; see Retry-After.",
  502: "Every origin attempt failed.",
  503: "No origin available (or, for /admin/v1, the admin API is disabled).",
  504: "Origins timed out.",
};

const PROXY_ERRORS: ErrorStatus[] = [400, 401, 402, 404, 413, 429, 502, 503, 504];
const ADMIN_READ: ErrorStatus[] = [401, 503];
const ADMIN_WRITE: ErrorStatus[] = [400, 401, 413, 503];

const completionLike = (what: string): Json => ({
  type: "object",
  description: `${what}, passed through from the origin. With \`stream: true\` the response is \`text/event-stream\` instead.`,
  additionalProperties: true,
});

const deleted = (what: string): Json => ({
  type: "object",
  required: ["id", "object", "deleted"],
  properties: { id: { type: "string" }, object: { const: what }, deleted: { const: true } },
});

const routes: Route[] = [
  { method: "get", path: "/healthz", summary: "Liveness check", tag: "health", auth: null, ok: { 200: ["OK", { type: "object", properties: { status: { const: "ok" } } }] }, errors: [] },
  { method: "get", path: "/openapi.json", summary: "This OpenAPI document", tag: "health", auth: null, ok: { 200: ["OpenAPI 3.1 document", { type: "object" }] }, errors: [] },

  // ---- /v1: OpenAI-compatible, for tenants ----
  { method: "post", path: "/v1/chat/completions", summary: "Chat completion (routed to an origin)", tag: "v1", auth: "tenantKey", body: chatCompletionRequest, params: ["qualityFloor"], steering: true, ok: { 200: ["Chat completion", completionLike("An OpenAI chat.completion object")] }, errors: PROXY_ERRORS },
  { method: "post", path: "/v1/completions", summary: "Legacy text completion (routed to an origin)", tag: "v1", auth: "tenantKey", body: completionRequest, params: ["qualityFloor"], steering: true, ok: { 200: ["Text completion", completionLike("An OpenAI text_completion object")] }, errors: PROXY_ERRORS },
  { method: "post", path: "/v1/embeddings", summary: "Embeddings (routed to an origin)", tag: "v1", auth: "tenantKey", body: embeddingRequest, params: ["qualityFloor"], steering: true, ok: { 200: ["Embeddings", completionLike("An OpenAI embeddings list")] }, errors: PROXY_ERRORS },
  { method: "post", path: "/v1/responses", summary: "Responses API (routed to an origin)", tag: "v1", auth: "tenantKey", body: responsesRequest, params: ["qualityFloor"], steering: true, ok: { 200: ["Response", completionLike("An OpenAI response object")] }, errors: PROXY_ERRORS },
  { method: "get", path: "/v1/usage", summary: "This tenant's usage by day and model, with totals and its account", tag: "v1", auth: "tenantKey", params: USAGE_QUERY, ok: { 200: ["Usage", ref("schemas", "Usage")] }, errors: [400, 401] },
  { method: "get", path: "/v1/models", summary: "Models this tenant may call, with prices per 1M tokens; its aliases and auto models too", tag: "v1", auth: "tenantKey", ok: { 200: ["Models", list(ref("schemas", "Model"))] }, errors: [401] },
  { method: "post", path: "/v1/feedback", summary: "Rate an answer (by its x-request-id): what `auto` learns from; a thumbs-down may refund the call when the tenant's price list offers it (`refund` in the answer: `refunded` with `amount_nanos`, `pending`, or `refused` with a `reason`)", tag: "v1", auth: "tenantKey", body: feedbackInput, ok: { 200: ["Applied to the model and class that answered", object("`{ object: \"feedback\", request_id, rating, status: \"applied\", cache_evicted }`: `cache_evicted` is true when a thumbs-down (rating < 0.5) evicted the cache entry that answered (a wrong hit)")], 202: ["Stored; counts once the request's outcome reaches the tenant's object", object("`{ object: \"feedback\", request_id, rating, status: \"pending\", cache_evicted }`")] }, errors: [400, 401, 409, 413] },

  // ---- /v1: the Batch API (docs/batch.md) ----
  { method: "post", path: "/v1/files", summary: "Upload a batch input file (JSONL, purpose `batch`), checked line by line", tag: "v1", auth: "tenantKey", multipart: fileUploadForm, ok: { 200: ["The file", ref("schemas", "BatchFile")] }, errors: [400, 401, 413] },
  { method: "get", path: "/v1/files/{id}", summary: "A file of this tenant's (input, output or error file)", tag: "v1", auth: "tenantKey", params: ["fileId"], ok: { 200: ["The file", ref("schemas", "BatchFile")] }, errors: [401, 404] },
  { method: "get", path: "/v1/files/{id}/content", summary: "A file's content (JSONL)", tag: "v1", auth: "tenantKey", params: ["fileId"], media: "application/jsonl", ok: { 200: ["The file's bytes", { type: "string" }] }, errors: [401, 404] },
  { method: "post", path: "/v1/batches", summary: "Start a batch of an uploaded file's requests, at the batch price, within 24 h", tag: "v1", auth: "tenantKey", jsonBody: batchCreateBody, ok: { 200: ["The batch", ref("schemas", "Batch")] }, errors: [400, 401, 404, 413] },
  { method: "get", path: "/v1/batches", summary: "This tenant's batches, newest first (`?limit=` 1..100, `?after=<batch id>`)", tag: "v1", auth: "tenantKey", ok: { 200: ["Batches", { ...list(ref("schemas", "Batch")), description: "Plus `first_id`, `last_id`, `has_more`." }] }, errors: [400, 401] },
  { method: "get", path: "/v1/batches/{id}", summary: "A batch: status, progress (`request_counts`), output and error files", tag: "v1", auth: "tenantKey", params: ["batchId"], ok: { 200: ["The batch", ref("schemas", "Batch")] }, errors: [401, 404] },
  { method: "post", path: "/v1/batches/{id}/cancel", summary: "Cancel a batch: `cancelling`, then `cancelled` within seconds; unsent lines go to the error file", tag: "v1", auth: "tenantKey", params: ["batchId"], ok: { 200: ["The batch", ref("schemas", "Batch")] }, errors: [401, 404] },

  // ---- /admin/v1: the operator's API ----
  { method: "get", path: "/admin/dashboard", summary: "The operator dashboard: TTFT heat map by region and origin, circuits, tenants' usage (sign in once at `/admin/dashboard/sign-in`: a signed session cookie, 8 hours; a token in the URL is refused with 400)", tag: "admin", auth: "adminToken", media: "text/html", ok: { 200: ["The page; it refreshes itself", { type: "string" }] }, errors: [400, 401, 503] },
  { method: "get", path: "/admin/dashboard/sign-in", summary: "The dashboard's sign-in form (public; `#token=<admin token>` in the fragment signs in without the token reaching any log)", tag: "admin", auth: null, media: "text/html", ok: { 200: ["The form", { type: "string" }] }, errors: [] },
  { method: "post", path: "/admin/dashboard/sign-in", summary: "Trade an admin token (form field `token`) for the dashboard's session cookie (HttpOnly, SameSite=Strict, 8 hours; it holds a signature, never the token)", tag: "admin", auth: null, form: { type: "object", required: ["token"], properties: { token: { type: "string", description: "An admin token." } } }, ok: { 303: ["Signed in: Set-Cookie, and Location /admin/dashboard", { type: "string" }] }, errors: [401, 413, 503] },
  { method: "get", path: "/admin/dashboard/data", summary: "The data behind the dashboard", tag: "admin", auth: "adminToken", ok: { 200: ["Dashboard data", object("`{ object: \"dashboard\", at, regions, origins: [{ id, region, draining, cells: [{ region, circuit, requests, p50_ms, p99_ms }] }], tenants: [{ id, name, requests, cache_hits, cache_hit_rate, spend_usd, saved_usd }] }`")] }, errors: [400, 401, 503] },
  { method: "get", path: "/admin/v1/regions", summary: "List regions", tag: "admin", auth: "adminToken", ok: { 200: ["Regions", list({ enum: [...REGIONS] })] }, errors: ADMIN_READ },
  { method: "get", path: "/admin/v1/regions/{region}/stats", summary: "Per-origin statistics as seen from one region", tag: "admin", auth: "adminToken", params: ["region"], ok: { 200: ["Region statistics", object("`{ object: \"region_stats\", region, at, data: [...] }`: circuit, error rate, in-flight, the engine's own load (`load`: queue, batch, KV use, prefix-cache hit rate; null without metrics) and latency percentiles per origin.")] }, errors: [401, 404, 503] },

  { method: "get", path: "/admin/v1/isolate/structures", summary: "Sizes of the answering isolate's in-memory caches and buffers, with their bounds (for leak checks)", tag: "admin", auth: "adminToken", ok: { 200: ["Isolate structures", object("`{ object: \"isolate_structures\", at, data: [{ name, about, size, bound, drains, unit }] }`: `bound` null means uncapped; `drains` means it holds only work in progress and is empty when traffic stops.")] }, errors: ADMIN_READ },

  { method: "get", path: "/admin/v1/origins", summary: "List origins", tag: "admin", auth: "adminToken", ok: { 200: ["Origins", list(ref("schemas", "Origin"))] }, errors: ADMIN_READ },
  { method: "post", path: "/admin/v1/origins", summary: "Create an origin", tag: "admin", auth: "adminToken", body: originCreate, ok: { 201: ["Created", ref("schemas", "Origin")] }, errors: [...ADMIN_WRITE, 409] },
  { method: "get", path: "/admin/v1/origins/{id}", summary: "Get an origin", tag: "admin", auth: "adminToken", params: ["originId"], ok: { 200: ["Origin", ref("schemas", "Origin")] }, errors: [400, 401, 404, 503] },
  { method: "put", path: "/admin/v1/origins/{id}", summary: "Create or replace an origin", tag: "admin", auth: "adminToken", params: ["originId"], body: originInput, ok: { 200: ["Replaced", ref("schemas", "Origin")], 201: ["Created", ref("schemas", "Origin")] }, errors: ADMIN_WRITE },
  { method: "patch", path: "/admin/v1/origins/{id}", summary: "Update some fields of an origin", tag: "admin", auth: "adminToken", params: ["originId"], body: originPatch, ok: { 200: ["Updated", ref("schemas", "Origin")] }, errors: [...ADMIN_WRITE, 404] },
  { method: "delete", path: "/admin/v1/origins/{id}", summary: "Delete an origin", tag: "admin", auth: "adminToken", params: ["originId"], ok: { 200: ["Deleted", deleted("origin")] }, errors: [400, 401, 404, 503] },

  { method: "get", path: "/admin/v1/tenants", summary: "List tenants", tag: "admin", auth: "adminToken", ok: { 200: ["Tenants", list(ref("schemas", "Tenant"))] }, errors: ADMIN_READ },
  { method: "post", path: "/admin/v1/tenants", summary: "Create a tenant", tag: "admin", auth: "adminToken", body: tenantCreate, ok: { 201: ["Created", ref("schemas", "Tenant")] }, errors: [...ADMIN_WRITE, 409] },
  { method: "get", path: "/admin/v1/tenants/{id}", summary: "Get a tenant", tag: "admin", auth: "adminToken", params: ["tenantId"], ok: { 200: ["Tenant", ref("schemas", "Tenant")] }, errors: [400, 401, 404, 503] },
  { method: "put", path: "/admin/v1/tenants/{id}", summary: "Create or update a tenant", tag: "admin", auth: "adminToken", params: ["tenantId"], body: tenantInput, ok: { 200: ["Updated", ref("schemas", "Tenant")], 201: ["Created", ref("schemas", "Tenant")] }, errors: ADMIN_WRITE },
  { method: "post", path: "/admin/v1/tenants/{id}/cache/purge", summary: "Purge a tenant's response cache (all models or one)", tag: "admin", auth: "adminToken", params: ["tenantId"], body: cachePurge, ok: { 200: ["Purged", object("`{ object: \"cache_purge\", tenant_id, model, generation }`")] }, errors: [...ADMIN_WRITE, 404] },
  { method: "post", path: "/admin/v1/tenants/{id}/keys", summary: "Create an API key (the secret is shown only here), or import one (`key`): idempotent in the same tenant, 409 `key_in_use` if another tenant holds it", tag: "admin", auth: "adminToken", params: ["tenantId"], body: keyCreate, ok: { 201: ["Created", object("The key record plus `object: \"api_key\"`, `tenant_id` and the secret in `key`.")] }, errors: [...ADMIN_WRITE, 404, 409] },
  { method: "get", path: "/admin/v1/tenants/{id}/keys", summary: "List a tenant's API keys (no secrets)", tag: "admin", auth: "adminToken", params: ["tenantId"], ok: { 200: ["Keys", list({ type: "object" })] }, errors: [400, 401, 503] },
  { method: "patch", path: "/admin/v1/tenants/{id}/keys/{keyId}", summary: "Rename an API key or change its rate limits", tag: "admin", auth: "adminToken", params: ["tenantId", "keyId"], body: keyUpdate, ok: { 200: ["Updated", object("The key record plus `object: \"api_key\"`.")] }, errors: [...ADMIN_WRITE, 404] },
  { method: "delete", path: "/admin/v1/tenants/{id}/keys/{keyId}", summary: "Revoke an API key", tag: "admin", auth: "adminToken", params: ["tenantId", "keyId"], ok: { 200: ["Revoked", object("The key record plus `object: \"api_key\"` and `revoked: true`.")] }, errors: [400, 401, 404, 503] },
  { method: "get", path: "/admin/v1/tenants/{id}/usage", summary: "A tenant's usage by day and model, with totals and its account", tag: "admin", auth: "adminToken", params: ["tenantId", ...USAGE_QUERY], ok: { 200: ["Usage", ref("schemas", "Usage")] }, errors: [400, 401, 404, 503] },
  { method: "get", path: "/admin/v1/tenants/{id}/statements/{month}", summary: "A tenant's month-end statement: usage lines by model, refund lines, the agreement's committed / used / shortfall; the lines add up exactly to the usage ledger for the month. JSON, or CSV with `Accept: text/csv` or `?format=csv`", tag: "admin", auth: "adminToken", params: ["tenantId", "month", "statement.format"], csv: true, ok: { 200: ["Statement", ref("schemas", "Statement")] }, errors: [400, 401, 404, 503] },
  { method: "post", path: "/admin/v1/tenants/{id}/credits", summary: "Add prepaid credits (negative: a correction)", tag: "admin", auth: "adminToken", params: ["tenantId"], body: creditsAdd, ok: { 201: ["The journal entry and the account after it", ref("schemas", "CreditAdded")] }, errors: [...ADMIN_WRITE, 404] },
  { method: "get", path: "/admin/v1/tenants/{id}/credits", summary: "A tenant's credit balance and journal, newest first (`?limit=`, `?before=<seq>`)", tag: "admin", auth: "adminToken", params: ["tenantId"], ok: { 200: ["Credits", ref("schemas", "Credits")] }, errors: [400, 401, 404, 503] },
  { method: "get", path: "/admin/v1/tenants/{id}/audit", summary: "The tenant's audit log, newest first (`?limit=`, `?before=<seq>`)", tag: "admin", auth: "adminToken", params: ["tenantId"], ok: { 200: ["Audit entries", list(ref("schemas", "AuditEntry"))] }, errors: [400, 401, 404, 503] },

  { method: "get", path: "/admin/v1/tenants/{id}/rules", summary: "The tenant's current routing rules (ETag: the version)", tag: "admin", auth: "adminToken", params: ["tenantId"], ok: { 200: ["Current rules", ref("schemas", "RulesVersion")] }, errors: [400, 401, 404, 503] },
  { method: "put", path: "/admin/v1/tenants/{id}/rules", summary: "Replace the routing rules as a new version (`If-Match` for optimistic concurrency)", tag: "admin", auth: "adminToken", params: ["tenantId", "ifMatch", "changeNote"], body: rulesDocument, ok: { 200: ["The new current version", ref("schemas", "RulesVersion")] }, errors: [...ADMIN_WRITE, 404, 412] },
  { method: "get", path: "/admin/v1/tenants/{id}/rules/history", summary: "Every rules version, newest first (`?limit=`, `?before=<version>`)", tag: "admin", auth: "adminToken", params: ["tenantId"], ok: { 200: ["Versions", list(ref("schemas", "RulesVersion"))] }, errors: [400, 401, 404, 503] },
  { method: "post", path: "/admin/v1/tenants/{id}/rules/rollback", summary: "Make an earlier rules version current again (as a new version)", tag: "admin", auth: "adminToken", params: ["tenantId", "ifMatch"], body: rulesRollback, ok: { 200: ["The new current version", ref("schemas", "RulesVersion")] }, errors: [...ADMIN_WRITE, 404, 412] },
];

const pathParam = (name: string, description: string, schema: Json = { type: "string" }): Json => ({ name, in: "path", required: true, description, schema });

const parameters: Record<string, Json> = {
  ...usageParameters,
  ...statementParameters,
  originId: pathParam("id", "Origin id.", { type: "string", pattern: "^[a-z0-9][a-z0-9._-]{0,63}$" }),
  tenantId: pathParam("id", "Tenant id.", { type: "string", pattern: "^[a-z0-9][a-z0-9._-]{0,63}$" }),
  keyId: pathParam("keyId", "API key id."),
  fileId: pathParam("id", "File id (another tenant's is 404).", { type: "string" }),
  batchId: pathParam("id", "Batch id (another tenant's is 404).", { type: "string" }),
  region: pathParam("region", "Region code.", { enum: [...REGIONS] }),
  ifMatch: { name: "If-Match", in: "header", required: false, description: "The rules version you read (its ETag, e.g. `\"3\"`); 412 if it is no longer current.", schema: { type: "string" } },
  qualityFloor: { name: "x-meridian-quality-floor", in: "header", required: false, description: "For an auto model: the expected quality (0..1) the chosen model needs for this prompt's class, instead of the tenant's floor.", schema: { type: "number", minimum: 0, maximum: 1 } },
  changeNote: { name: "x-meridian-change-note", in: "header", required: false, description: "A note stored with the new version and in the audit log.", schema: { type: "string", maxLength: 500 } },
};

/** The steering headers read by worker/routing/policy.ts (they win over the `meridian` body field). */
const steeringHeaders: [name: string, description: string, schema: Json][] = [
  ["policy", "What routing optimizes (docs/routing.md): `auto` (default: `ttft` when streamed, `throughput` otherwise), `ttft`, `throughput`, `latency`, `cost`, `balanced`, `pinned`.", { enum: ["auto", "ttft", "throughput", "latency", "cost", "balanced", "pinned"] }],
  ["min-tokens-per-s", "Tokens/s floor: slower origins go after those that keep it (default 10 under `ttft`; 0: none).", { type: "number", minimum: 0, maximum: 1_000_000 }],
  ["latency-weight", "For `balanced`: weight of latency against cost, 0..1.", { type: "number", minimum: 0, maximum: 1 }],
  ["pin", "For `pinned`: comma-separated origin ids in order of preference.", { type: "string" }],
  ["regions", "Data residency: comma-separated regions an origin must be in.", { type: "string" }],
  ["max-price", "Maximum blended price, USD per 1M tokens.", { type: "number", minimum: 0 }],
  ["max-ttft-ms", "Maximum expected time to first token, in ms.", { type: "number", minimum: 1 }],
  ["hedge", "Whether the request may be hedged.", { enum: ["on", "off", "true", "false", "1", "0"] }],
];
for (const [name, description, schema] of steeringHeaders) {
  parameters[`steering.${name}`] = { name: `x-meridian-${name}`, in: "header", required: false, description, schema };
}

function components(): Json {
  const errorResponses = Object.fromEntries(
    Object.entries(ERROR_DESCRIPTIONS).map(([status, description]) => [
      `Error${status}`,
      { description, content: { "application/json": { schema: ref("schemas", "Error") } } },
    ]),
  );
  (errorResponses.Error429 as Json).headers = { "Retry-After": { description: "Seconds until the limit admits the request again.", schema: { type: "integer", minimum: 1 } } };
  return {
    securitySchemes: {
      tenantKey: { type: "http", scheme: "bearer", description: "A tenant API key (`Authorization: Bearer <key>`)." },
      adminToken: { type: "http", scheme: "bearer", description: `An admin token: the ADMIN_TOKEN secret or an ADMIN_TOKENS entry, ${SECRET_RULE} (others are ignored).` },
    },
    parameters,
    responses: errorResponses,
    schemas: {
      Error: {
        type: "object",
        description: "The OpenAI error shape; every failure uses it.",
        required: ["error"],
        properties: {
          error: {
            type: "object",
            required: ["message", "type", "code"],
            additionalProperties: true,
            properties: {
              message: { type: "string" },
              type: { enum: ["invalid_request_error", "authentication_error", "permission_error", "not_found_error", "rate_limit_error", "upstream_error", "api_error"] },
              code: { type: "string" },
              param: { type: ["string", "null"] },
            },
          },
        },
      },
      Model: {
        type: "object",
        required: ["id", "object", "created", "owned_by"],
        properties: {
          id: { type: "string" },
          object: { const: "model" },
          created: { type: "integer" },
          owned_by: { type: "string" },
          pricing: {
            type: ["object", "null"],
            description: "USD per 1M tokens: the tenant's price list, else the cheapest origin's; null for an auto model (it costs what it picks).",
            properties: { input_per_m: { type: "number" }, output_per_m: { type: "number" } },
          },
          meridian: { type: "object", description: "For names the tenant's rules define: `{type: \"alias\", strategy, targets}` or `{type: \"auto\", floor, models: [{id, pricing}]}`." },
        },
      },
      Origin: jsonSchema(z.extend(originInput, { id: z.string(), updated_at: z.number() }), "output"),
      RulesVersion: {
        type: "object",
        required: ["version", "rules", "created_at", "author"],
        properties: {
          object: { const: "rules" },
          version: { type: "integer", description: "0 is the empty document every tenant starts with." },
          rules: jsonSchema(rulesDocument, "output"),
          created_at: { type: "integer" },
          author: { type: "string", description: "Label of the admin token that wrote it." },
          rolled_back_to: { type: "integer" },
          note: { type: "string" },
        },
      },
      AuditEntry: {
        type: "object",
        required: ["seq", "at", "actor", "action", "detail", "rules_version"],
        properties: {
          seq: { type: "integer" },
          at: { type: "integer", description: "Milliseconds since the epoch." },
          actor: { type: "string", description: "Label of the admin token that made the write." },
          action: { type: "string", examples: ["tenant.create", "rules.put", "rules.rollback", "key.create", "key.revoke", "cache.purge", "cache.tighten", "cache.loosen", "credits.add", "budget.alert"] },
          detail: { type: "object" },
          rules_version: { type: "integer", description: "The rules version in force after the write." },
        },
      },
      ...billingComponents,
      ...batchComponents,
      Tenant: jsonSchema(z.extend(tenantInput, { id: z.string(), created_at: z.number(), updated_at: z.number(), cache_generation: z.optional(z.looseObject({})) }), "output"),
    },
  };
}

function operation(route: Route): Json {
  const responses: Json = {};
  for (const [status, [description, schema]] of Object.entries(route.ok)) {
    const csv = route.csv ? { "text/csv": { schema: { type: "string", description: "The same, as CSV (spreadsheet-safe: formula-like cells are prefixed with a quote)." } } } : {};
    responses[status] = status === "303" ? { description } : { description, content: { [route.media ?? "application/json"]: { schema }, ...csv } };
  }
  for (const status of route.errors) responses[status] = ref("responses", `Error${status}`);
  const params = [...(route.params ?? []), ...(route.steering ? steeringHeaders.map(([name]) => `steering.${name}`) : [])];
  return {
    operationId: `${route.method}${route.path.replace(/[{}]/g, "").replace(/[^a-zA-Z0-9]+(.)?/g, (_, c: string | undefined) => (c ?? "").toUpperCase())}`,
    summary: route.summary,
    tags: [route.tag],
    security: route.auth ? [{ [route.auth]: [] }] : [],
    ...(params.length ? { parameters: params.map((name) => ref("parameters", name)) } : {}),
    ...(route.body ? { requestBody: { required: true, content: { "application/json": { schema: jsonSchema(route.body) } } } } : {}),
    ...(route.multipart ? { requestBody: { required: true, content: { "multipart/form-data": { schema: route.multipart } } } } : {}),
    ...(route.jsonBody ? { requestBody: { required: true, content: { "application/json": { schema: route.jsonBody } } } } : {}),
    ...(route.form ? { requestBody: { required: true, content: { "application/x-www-form-urlencoded": { schema: route.form } } } } : {}),
    responses,
  };
}

let memo: object | undefined;

/** The whole document; built once per isolate. */
export function openApiDocument(): object {
  if (memo) return memo;
  const paths: Record<string, Json> = {};
  for (const route of routes) (paths[route.path] ??= {})[route.method] = operation(route);
  memo = {
    openapi: "3.1.0",
    info: {
      title: "Meridian",
      version: "0.1.0",
      description: "Edge router for LLM inference. `/v1/*` is OpenAI-compatible (tenant API keys); `/admin/v1/*` manages origins, tenants and keys (admin token).",
    },
    tags: [
      { name: "health", description: "Unauthenticated" },
      { name: "v1", description: "OpenAI-compatible API, for tenants" },
      { name: "admin", description: "Operator API" },
    ],
    paths,
    components: components(),
  };
  return memo;
}
