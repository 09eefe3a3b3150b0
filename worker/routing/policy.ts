// How a request asks to be routed. Tenants set defaults in their rules later;
// a single request can steer with headers or a `meridian` body field.
import * as z from "zod/mini";
import { badRequest } from "../http/errors";
import { own } from "../own";
import { idSchema } from "../schemas/admin";
import { parseOrThrow } from "../schemas/validate";
import { REGIONS, type Region } from "../vocabulary/regions";

export type Policy =
  | { kind: "latency" }
  | { kind: "cost" }
  | { kind: "balanced"; latencyWeight: number }
  | { kind: "pinned"; order: string[] };

export interface Constraints {
  /** Data residency: only origins in these regions. */
  regions?: Region[];
  /** USD per 1M tokens, blended over this request's expected input and output. */
  maxPricePerM?: number;
  /** Expected time to first token. */
  maxTtftMs?: number;
}

export interface RoutingPreferences {
  policy: Policy;
  constraints: Constraints;
  /** Whether this request may be hedged (still subject to the tenant's budget). */
  hedge: boolean;
}

export const DEFAULT_PREFERENCES: RoutingPreferences = { policy: { kind: "latency" }, constraints: {}, hedge: true };

const steering = z.strictObject({
  policy: z.optional(z.enum(["latency", "cost", "balanced", "pinned"])),
  latency_weight: z.optional(z.number().check(z.minimum(0), z.maximum(1))),
  // Pins name origins, and are reflected in `x-meridian-route`: origin ids only.
  pin: z.optional(z.array(idSchema).check(z.maxLength(64))),
  regions: z.optional(z.array(z.enum(REGIONS)).check(z.minLength(1))),
  max_price: z.optional(z.number().check(z.minimum(0))),
  max_ttft_ms: z.optional(z.number().check(z.minimum(1))),
  hedge: z.optional(z.boolean()),
});
export type Steering = z.infer<typeof steering>;

/** Reads the `x-meridian-*` steering headers into the same shape as the body field. */
export function steeringFromHeaders(headers: Headers): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  const get = (name: string) => headers.get(name)?.trim() || undefined;
  const list = (v: string) => v.split(",").map((s) => s.trim()).filter(Boolean);
  const num = (name: string, v: string) => {
    const n = Number(v);
    if (!Number.isFinite(n)) throw badRequest(`Header ${name} must be a number, got '${v.slice(0, 40)}'.`, "invalid_header");
    return n;
  };
  let v: string | undefined;
  if ((v = get("x-meridian-policy"))) out.policy = v;
  if ((v = get("x-meridian-latency-weight"))) out.latency_weight = num("x-meridian-latency-weight", v);
  if ((v = get("x-meridian-pin"))) out.pin = list(v);
  if ((v = get("x-meridian-regions"))) out.regions = list(v);
  if ((v = get("x-meridian-max-price"))) out.max_price = num("x-meridian-max-price", v);
  if ((v = get("x-meridian-max-ttft-ms"))) out.max_ttft_ms = num("x-meridian-max-ttft-ms", v);
  if ((v = get("x-meridian-hedge"))) out.hedge = switchValue("x-meridian-hedge", v);
  return out;
}

function switchValue(name: string, v: string): boolean {
  if (["on", "true", "1"].includes(v)) return true;
  if (["off", "false", "0"].includes(v)) return false;
  throw badRequest(`Header ${name} must be on or off, got '${v.slice(0, 40)}'.`, "invalid_header");
}

/** Each steering field and the header that sets it. */
export const STEERING_HEADERS: Record<string, string> = {
  policy: "x-meridian-policy",
  latency_weight: "x-meridian-latency-weight",
  pin: "x-meridian-pin",
  regions: "x-meridian-regions",
  max_price: "x-meridian-max-price",
  max_ttft_ms: "x-meridian-max-ttft-ms",
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
 * Combines the tenant's defaults, the body field and headers (headers win);
 * 400 on nonsense. A request may choose its policy, but its constraints only
 * tighten the tenant's: regions intersect, price and TTFT caps take the lower.
 */
export function routingPreferences(headers: Headers, bodyField: unknown, defaults = DEFAULT_PREFERENCES): RoutingPreferences {
  const fromBody = bodyField === undefined ? {} : parseOrThrow(steering, bodyField, "body.meridian");
  const fromHeaders = parseHeaders(headers);
  const s: Steering = { ...fromBody, ...fromHeaders };
  const base = defaults.constraints;
  const constraints: Constraints = { ...base };
  if (s.regions) constraints.regions = base.regions ? base.regions.filter((r) => s.regions!.includes(r)) : s.regions;
  if (s.max_price !== undefined) constraints.maxPricePerM = Math.min(s.max_price, base.maxPricePerM ?? Infinity);
  if (s.max_ttft_ms !== undefined) constraints.maxTtftMs = Math.min(s.max_ttft_ms, base.maxTtftMs ?? Infinity);
  return { policy: policyOf(s, defaults.policy), constraints, hedge: s.hedge ?? defaults.hedge };
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

export function describePolicy(p: Policy): string {
  switch (p.kind) {
    case "balanced":
      return `balanced(latency=${p.latencyWeight})`;
    case "pinned":
      return `pinned(${p.order.join(">")})`;
    default:
      return p.kind;
  }
}
