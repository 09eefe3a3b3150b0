// Whether a request may be answered from, and stored into, the cache.
// Conservative on purpose: a wrong answer from a cache is worse than a miss.
import type { CacheSettings } from "../schemas/admin";

export type CacheDecision =
  | { use: false; reason: string }
  | { use: true; exact: boolean; semantic: boolean; ttlS: number; threshold: number | undefined };

/** What the decision reads of a request body (any OpenAI request body will do). */
export type CacheableRequest = Record<string, unknown>;

export function cacheDecision(settings: CacheSettings | undefined, body: CacheableRequest, headers: Headers): CacheDecision {
  if (!settings || (!settings.exact && !settings.semantic)) return { use: false, reason: "off for this tenant" };
  const directive = headers.get("x-meridian-cache")?.trim().toLowerCase();
  if (directive === "bypass" || directive === "off") return { use: false, reason: "x-meridian-cache: bypass" };
  if (/(^|,)\s*no-store\s*(,|$)/i.test(headers.get("cache-control") ?? "")) return { use: false, reason: "cache-control: no-store" };
  if ((body.tools !== undefined || body.tool_choice !== undefined) && !settings.allow_tools) return { use: false, reason: "tools" };
  // Sampling at a temperature means the client wants varied answers, unless it says otherwise.
  if (body.temperature !== 0 && directive !== "on") return { use: false, reason: "temperature is not 0" };
  return {
    use: true,
    exact: settings.exact,
    semantic: settings.semantic,
    ttlS: ttlFrom(headers.get("x-meridian-cache-ttl"), settings.ttl_s),
    threshold: settings.threshold,
  };
}

/** KV keeps nothing for less than a minute. */
const MIN_TTL_S = 60;

/**
 * A request may shorten its entry's life, never lengthen it past the
 * tenant's `ttl_s`: the tenant (and its admin) decide how long answers may be
 * replayed. A value that is not a positive number of seconds is ignored.
 */
export function ttlFrom(header: string | null, tenantTtlS: number): number {
  const n = Number(header?.trim() || Number.NaN);
  if (!Number.isFinite(n) || n <= 0) return tenantTtlS;
  return Math.min(tenantTtlS, Math.max(MIN_TTL_S, Math.round(n)));
}
