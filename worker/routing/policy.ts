// How a request asks to be routed: what it optimizes (the objective), what it
// must not cross (constraints) and what it would rather have (preferences).
// Tenants set defaults in their rules; a single request can steer with
// headers, a `meridian` body field, or OpenRouter-style `provider` preferences.
import * as z from "zod/mini";
import { badRequest } from "../http/errors";
import { own } from "../own";
import { idSchema } from "../schemas/admin";
import { parseOrThrow } from "../schemas/validate";
import { REGIONS, type Region } from "../vocabulary/regions";

/**
 * What a policy optimizes:
 * - `ttft`: time to the first token, among origins that keep `minTokensPerS`;
 * - `throughput`: time to the last token;
 * - `latency`: the router's original objective, kept for tenants that name it
 *   (TTFT + output tokens x time per token: the same as `throughput`);
 * - `cost`, `balanced`, `pinned`;
 * - `auto`: `ttft` for a streamed request, `throughput` otherwise (the default).
 */
export type Policy =
  | { kind: "auto" }
  | { kind: "ttft" }
  | { kind: "throughput" }
  | { kind: "latency" }
  | { kind: "cost" }
  | { kind: "balanced"; latencyWeight: number }
  | { kind: "pinned"; order: string[] };

export type PolicyKind = Policy["kind"];
/** An objective plan() can score by: every policy once `auto` is resolved. */
export type Objective = Exclude<Policy, { kind: "auto" }>;

export const POLICY_KINDS = ["auto", "ttft", "throughput", "latency", "cost", "balanced", "pinned"] as const;

/** Reading speed: a stream at least this fast keeps ahead of its reader (the `ttft` objective's default floor). */
export const DEFAULT_MIN_TOKENS_PER_S = 10;

export interface Constraints {
  /** Data residency: only origins in these regions. */
  regions?: Region[];
  /** USD per 1M tokens, blended over this request's expected input and output. */
  maxPricePerM?: number;
  /** Expected time to first token. */
  maxTtftMs?: number;
}

/** TTFT percentiles an origin should stay under (OpenRouter's `preferred_max_latency`), in ms. */
export interface TtftCutoffs {
  p50?: number;
  p75?: number;
  p90?: number;
  p99?: number;
}

export interface RoutingPreferences {
  policy: Policy;
  constraints: Constraints;
  /** Whether this request may be hedged (still subject to the tenant's budget). */
  hedge: boolean;
  /**
   * Tokens per second an answer should keep: slower origins go after those
   * that keep it (not excluded). Unset: `DEFAULT_MIN_TOKENS_PER_S` under the
   * `ttft` objective, none under the others; 0 turns the floor off.
   */
  minTokensPerS?: number;
  /** Soft TTFT cutoffs: origins expected over them go after those under them. */
  preferredTtftMs?: TtftCutoffs;
  /** Whether the engine's own load (`OriginSummary.load`) shapes the estimate (default true). */
  engineLoad?: boolean;
  /** Whether requests with a prefix key prefer the origin rendezvous hashing gives them (default true). */
  affinity?: boolean;
}

export const DEFAULT_PREFERENCES: RoutingPreferences = { policy: { kind: "auto" }, constraints: {}, hedge: true };

/**
 * The router as it was before objectives, engine load and prefix affinity:
 * TTFT + output x TPOT inflated by in-flight requests. The simulation runs it
 * as `latency-only`.
 */
export const LATENCY_ONLY_PREFERENCES: RoutingPreferences = { policy: { kind: "latency" }, constraints: {}, hedge: true, engineLoad: false, affinity: false };

/** The objective a policy means for this request. */
export function objectiveOf(policy: Policy, stream: boolean): Objective {
  if (policy.kind !== "auto") return policy;
  return stream ? TTFT : THROUGHPUT;
}
const TTFT: Objective = { kind: "ttft" };
const THROUGHPUT: Objective = { kind: "throughput" };

/** The tokens/s floor in force for this objective. */
export function tokensPerSFloor(prefs: RoutingPreferences, objective: Objective): number {
  if (prefs.minTokensPerS !== undefined) return prefs.minTokensPerS;
  return objective.kind === "ttft" ? DEFAULT_MIN_TOKENS_PER_S : 0;
}

const tokensPerS = z.number().check(z.minimum(0), z.maximum(1_000_000));

const steering = z.strictObject({
  policy: z.optional(z.enum(POLICY_KINDS)),
  latency_weight: z.optional(z.number().check(z.minimum(0), z.maximum(1))),
  // Pins name origins, and are reflected in `x-meridian-route`: origin ids only.
  pin: z.optional(z.array(idSchema).check(z.maxLength(64))),
  regions: z.optional(z.array(z.enum(REGIONS)).check(z.minLength(1))),
  max_price: z.optional(z.number().check(z.minimum(0))),
  max_ttft_ms: z.optional(z.number().check(z.minimum(1))),
  min_tokens_per_s: z.optional(tokensPerS),
  hedge: z.optional(z.boolean()),
});
export type Steering = z.infer<typeof steering>;

// OpenRouter's `provider` object (its provider-routing guide): `sort` orders
// by price, throughput or latency; `preferred_max_latency` (seconds) and
// `preferred_min_throughput` (tokens/s) deprioritize endpoints over or under
// them, as a number (p50) or per percentile. Its other fields name
// OpenRouter's providers and mean nothing here: they pass unread.
const sortBy = z.enum(["latency", "throughput", "price"]);
const seconds = z.nullable(z.number().check(z.gt(0), z.maximum(86_400)));
const percentiles = <T extends z.ZodMiniType>(v: T) => z.strictObject({ p50: z.optional(v), p75: z.optional(v), p90: z.optional(v), p99: z.optional(v) });
const providerPreferences = z.looseObject({
  sort: z.optional(z.nullable(z.union([sortBy, z.strictObject({ by: sortBy, partition: z.optional(z.nullable(z.enum(["model", "none"]))) })]))),
  preferred_max_latency: z.optional(z.nullable(z.union([z.number().check(z.gt(0), z.maximum(86_400)), percentiles(seconds)]))),
  preferred_min_throughput: z.optional(z.nullable(z.union([tokensPerS, percentiles(z.nullable(tokensPerS))]))),
});
type ProviderPreferences = z.infer<typeof providerPreferences>;

/** Reads the `x-meridian-*` steering headers into the same shape as the body field. */
export function steeringFromHeaders(headers: Headers): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  const get = (name: string) => headers.get(name)?.trim() || undefined;
  const list = (v: string) => v.split(",").map((s) => s.trim()).filter(Boolean);
  const num = (name: string, v: string) => {
    const n = Number(v);
    if (!Number.isFinite(n)) throw badRequest(`Header ${name} must be a number, got '${printable(v)}'.`, "invalid_header");
    return n;
  };
  let v: string | undefined;
  if ((v = get("x-meridian-policy"))) out.policy = v;
  if ((v = get("x-meridian-latency-weight"))) out.latency_weight = num("x-meridian-latency-weight", v);
  if ((v = get("x-meridian-pin"))) out.pin = list(v);
  if ((v = get("x-meridian-regions"))) out.regions = list(v);
  if ((v = get("x-meridian-max-price"))) out.max_price = num("x-meridian-max-price", v);
  if ((v = get("x-meridian-max-ttft-ms"))) out.max_ttft_ms = num("x-meridian-max-ttft-ms", v);
  if ((v = get("x-meridian-min-tokens-per-s"))) out.min_tokens_per_s = num("x-meridian-min-tokens-per-s", v);
  if ((v = get("x-meridian-hedge"))) out.hedge = switchValue("x-meridian-hedge", v);
  return out;
}

/** A client's value as an error may quote it: short, and printable ASCII only. */
const printable = (v: string) => v.slice(0, 40).replace(/[^\x20-\x7e]/g, "?");

function switchValue(name: string, v: string): boolean {
  if (["on", "true", "1"].includes(v)) return true;
  if (["off", "false", "0"].includes(v)) return false;
  throw badRequest(`Header ${name} must be on or off, got '${printable(v)}'.`, "invalid_header");
}

/** Each steering field and the header that sets it. */
export const STEERING_HEADERS: Record<string, string> = {
  policy: "x-meridian-policy",
  latency_weight: "x-meridian-latency-weight",
  pin: "x-meridian-pin",
  regions: "x-meridian-regions",
  max_price: "x-meridian-max-price",
  max_ttft_ms: "x-meridian-max-ttft-ms",
  min_tokens_per_s: "x-meridian-min-tokens-per-s",
  hedge: "x-meridian-hedge",
};

function parseHeaders(headers: Headers): Steering {
  const result = steering.safeParse(steeringFromHeaders(headers));
  if (result.success) return result.data;
  const issue = result.error.issues[0]!;
  const header = own(STEERING_HEADERS, String(issue.path[0])) ?? "x-meridian-*";
  throw badRequest(`Invalid header ${header}: ${issue.message}`, "invalid_header", header);
}

/**
 * Combines the tenant's defaults, the body's `provider` preferences, its
 * `meridian` field and headers (each later one wins); 400 on nonsense. A
 * request may choose its objective and preferences, but its constraints only
 * tighten the tenant's: regions intersect, price and TTFT caps take the lower.
 */
export function routingPreferences(headers: Headers, bodyField: unknown, defaults = DEFAULT_PREFERENCES, providerField?: unknown): RoutingPreferences {
  const provider = providerField === undefined || providerField === null ? null : parseOrThrow(providerPreferences, providerField, "body.provider");
  const fromBody = bodyField === undefined ? {} : parseOrThrow(steering, bodyField, "body.meridian");
  const fromHeaders = parseHeaders(headers);
  const s: Steering = { ...fromProvider(provider), ...fromBody, ...fromHeaders };
  const base = defaults.constraints;
  const constraints: Constraints = { ...base };
  if (s.regions) constraints.regions = base.regions ? base.regions.filter((r) => s.regions!.includes(r)) : s.regions;
  if (s.max_price !== undefined) constraints.maxPricePerM = Math.min(s.max_price, base.maxPricePerM ?? Infinity);
  if (s.max_ttft_ms !== undefined) constraints.maxTtftMs = Math.min(s.max_ttft_ms, base.maxTtftMs ?? Infinity);
  const out: RoutingPreferences = { policy: policyOf(s, defaults.policy), constraints, hedge: s.hedge ?? defaults.hedge };
  const floor = s.min_tokens_per_s ?? defaults.minTokensPerS;
  if (floor !== undefined) out.minTokensPerS = floor;
  const cutoffs = ttftCutoffs(provider) ?? defaults.preferredTtftMs;
  if (cutoffs) out.preferredTtftMs = cutoffs;
  if (defaults.engineLoad !== undefined) out.engineLoad = defaults.engineLoad;
  if (defaults.affinity !== undefined) out.affinity = defaults.affinity;
  return out;
}

/** `provider.sort` as an objective; `preferred_min_throughput` as the tokens/s floor. */
function fromProvider(p: ProviderPreferences | null): Steering {
  if (!p) return {};
  const out: Steering = {};
  const by = typeof p.sort === "string" ? p.sort : p.sort?.by;
  if (by) out.policy = by === "latency" ? "ttft" : by === "price" ? "cost" : "throughput";
  const t = p.preferred_min_throughput;
  if (typeof t === "number") out.min_tokens_per_s = t;
  else if (t) {
    // One speed estimate per origin (its decode rate): the strictest cutoff stands for all.
    const max = Math.max(t.p50 ?? 0, t.p75 ?? 0, t.p90 ?? 0, t.p99 ?? 0);
    if (max > 0) out.min_tokens_per_s = max;
  }
  return out;
}

function ttftCutoffs(p: ProviderPreferences | null): TtftCutoffs | undefined {
  const l = p?.preferred_max_latency;
  if (l === undefined || l === null) return undefined;
  if (typeof l === "number") return { p50: l * 1000 };
  const out: TtftCutoffs = {};
  if (l.p50 != null) out.p50 = l.p50 * 1000;
  if (l.p75 != null) out.p75 = l.p75 * 1000;
  if (l.p90 != null) out.p90 = l.p90 * 1000;
  if (l.p99 != null) out.p99 = l.p99 * 1000;
  return out.p50 === undefined && out.p75 === undefined && out.p90 === undefined && out.p99 === undefined ? undefined : out;
}

function policyOf(s: Steering, fallback: Policy): Policy {
  switch (s.policy) {
    case undefined:
      return s.pin ? { kind: "pinned", order: s.pin } : fallback;
    case "balanced":
      return { kind: "balanced", latencyWeight: s.latency_weight ?? 0.5 };
    case "pinned":
      if (!s.pin) throw badRequest("The pinned policy needs an order: x-meridian-pin: origin-a,origin-b.", "invalid_header");
      return { kind: "pinned", order: s.pin };
    default:
      return { kind: s.policy };
  }
}

/** The policy as `x-meridian-route` names it; with `stream`, `auto` as the objective it resolves to. */
export function describePolicy(p: Policy, prefs?: RoutingPreferences, stream?: boolean): string {
  const o = stream === undefined ? p : objectiveOf(p, stream);
  switch (o.kind) {
    case "ttft": {
      const floor = prefs ? tokensPerSFloor(prefs, o) : DEFAULT_MIN_TOKENS_PER_S;
      return floor > 0 ? `ttft(>=${floor}tok/s)` : "ttft";
    }
    case "balanced":
      return `balanced(latency=${o.latencyWeight})`;
    case "pinned":
      return `pinned(${o.order.join(">")})`;
    default:
      return o.kind;
  }
}
