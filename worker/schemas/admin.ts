// Wire schemas for the admin API. Strict objects: a typo in an admin write is
// an error, not a silently ignored field.
import * as z from "zod/mini";
import { MAX_SECRET_LENGTH, MIN_SECRET_LENGTH, SECRET_RULE } from "../vocabulary/secrets";
import { REGIONS } from "../vocabulary/regions";
import { billingFields } from "./billing";

export const idSchema = z.string().check(z.regex(/^[a-z0-9][a-z0-9._-]{0,63}$/, "use 1-64 of a-z 0-9 . _ - starting with a letter or digit"));

const price = z.number().check(z.minimum(0), z.maximum(1_000_000));
const headerName = z.string().check(z.regex(/^[A-Za-z0-9-]{1,64}$/, "not a valid header name"));

export const originFields = {
  base_url: z.url({ protocol: /^https?$/, error: "must be an http(s) URL such as https://gpu.example.com/v1" }),
  region: z.enum(REGIONS),
  lat: z.number().check(z.minimum(-90), z.maximum(90)),
  lon: z.number().check(z.minimum(-180), z.maximum(180)),
  /** Public model name -> the name the origin knows it by. */
  models: z.record(z.string().check(z.minLength(1), z.maxLength(256)), z.string().check(z.minLength(1), z.maxLength(256))),
  price: z.strictObject({ input_per_m: price, output_per_m: price }),
  auth: z.optional(z.nullable(z.strictObject({ header: headerName, value: z.string().check(z.minLength(1), z.maxLength(4096)) }))),
  /** Where active probes go; default: the base URL's server root + `/health`. */
  health_url: z.optional(z.nullable(z.url({ protocol: /^https?$/ }))),
  /**
   * The engine's own load signals (queue, batch, KV and prefix-cache use),
   * read once per interval for the whole world. `path` is taken from the
   * base URL's server root, as `/health` is; default `/metrics`. Without it
   * the origin is routed on passive statistics alone.
   */
  metrics: z.optional(
    z.nullable(
      z.strictObject({
        format: z.enum(["vllm", "sglang", "llamacpp"]),
        path: z.optional(z.string().check(z.regex(/^\/(?!\/)[\x21-\x5b\x5d-\x7e]{0,255}$/, "a path such as /metrics: a single leading /, printable ASCII without spaces or backslashes, at most 256 characters"))),
      }),
    ),
  ),
  /**
   * Send each tenant's own `cache_salt` (vLLM): the origin's prefix cache is
   * then not shared between tenants, so one cannot time another's prompts.
   * Off by default: origins that reject unknown fields would refuse every request.
   */
  cache_salt: z.optional(z.boolean()),
  /**
   * How streams from this origin reach clients. `checked` (default): event by
   * event through the router, which cuts garbled or oversized streams short
   * with a clean error event, hides the origin's own error texts and stops the
   * origin when the client leaves. `native`: for origins you run, passed
   * through by the runtime at the floor's cost when the request allows it
   * (the client asked for usage, the answer's size is bounded); see
   * docs/operations.md.
   */
  stream_relay: z.optional(z.enum(["checked", "native"])),
  weight: z._default(z.number().check(z.minimum(0), z.maximum(1000)), 1),
  draining: z._default(z.boolean(), false),
};

export const originInput = z.strictObject(originFields);
export const originCreate = z.strictObject({ id: idSchema, ...originFields });
export const originPatch = z.partial(z.strictObject(originFields));

export type OriginInput = z.infer<typeof originInput>;
export type Origin = OriginInput & { id: string; updated_at: number };

/** A tenant's response cache (part of its routing rules). Off unless the tenant turns it on. */
export const cacheSettings = z.strictObject({
  exact: z._default(z.boolean(), false),
  semantic: z._default(z.boolean(), false),
  /** Cosine similarity a near-duplicate needs (the guard applies on top). */
  threshold: z.optional(z.number().check(z.minimum(0.5), z.maximum(1))),
  /** How long entries live, in seconds (KV keeps them at least 60 s). */
  ttl_s: z._default(z.int().check(z.minimum(60), z.maximum(30 * 86_400)), 3_600),
  /** Cache requests that carry `tools` / `tool_choice` (off: tools may have side effects). */
  allow_tools: z._default(z.boolean(), false),
  /**
   * Share (0..1) of near-duplicate hits also sent to the origin off the
   * client's path, to measure the cache's precision; absent: 0.01. The
   * operator pays for these calls, not the tenant.
   */
  verify_share: z.optional(z.number().check(z.minimum(0), z.maximum(1))),
  /** Precision the near-duplicate cache must keep (0.5..0.999); below it the threshold tightens by itself. Absent: 0.99. */
  precision_target: z.optional(z.number().check(z.minimum(0.5), z.maximum(0.999))),
});
export type CacheSettings = z.infer<typeof cacheSettings>;

/** Requests and tokens per minute (see docs/rate-limits.md); an absent field is no limit. */
export const rateLimits = z.strictObject({
  rpm: z.optional(z.int().check(z.minimum(1), z.maximum(10_000_000))),
  tpm: z.optional(z.int().check(z.minimum(1), z.maximum(10_000_000_000))),
});

export const tenantInput = z.strictObject({
  name: z.string().check(z.minLength(1), z.maxLength(200)),
  /** Public model names the tenant may call; absent means every model the fleet serves. */
  models: z.optional(z.nullable(z.array(z.string().check(z.minLength(1), z.maxLength(256))).check(z.maxLength(1000)))),
  /** The tenant's rate limits, over all its keys. */
  limits: z.optional(rateLimits),
  ...billingFields,
});
export const tenantCreate = z.strictObject({ id: z.optional(idSchema), ...tenantInput.shape });

export type TenantInput = z.infer<typeof tenantInput>;
/** Bumped by a purge: cache keys include it, so purged entries are simply never read again. */
export interface CacheGeneration {
  all: number;
  models: Record<string, number>;
}

export type TenantRecord = TenantInput & { id: string; created_at: number; updated_at: number; cache_generation?: CacheGeneration };

export const cachePurge = z.strictObject({ model: z.optional(z.string().check(z.minLength(1), z.maxLength(256))) });

export const keyCreate = z.strictObject({
  name: z.optional(z.string().check(z.maxLength(200))),
  /** Import an existing secret (migration, dev seeding) instead of generating one. */
  key: z.optional(z.string().check(z.minLength(MIN_SECRET_LENGTH), z.maxLength(MAX_SECRET_LENGTH), z.regex(/^[\x21-\x7e]*$/, `a key is ${SECRET_RULE}`))),
  /** This key's own rate limits, within the tenant's. */
  limits: z.optional(rateLimits),
});

/** PATCH of a key: a field present replaces, `limits: null` removes the key's limits. */
export const keyUpdate = z.strictObject({
  name: z.optional(z.nullable(z.string().check(z.maxLength(200)))),
  limits: z.optional(z.nullable(rateLimits)),
});
