// Whether a request may be answered from, and stored into, the cache.
// Conservative on purpose: a wrong answer from a cache is worse than a miss.
import type { CacheSettings } from "../schemas/admin";
import { DEFAULT_THRESHOLD } from "./similarity";

/** Share of near-duplicate hits verified against the origin when the tenant says nothing. */
export const DEFAULT_VERIFY_SHARE = 0.01;

export type CacheDecision =
  | { use: false; reason: string }
  | {
      use: true;
      exact: boolean;
      semantic: boolean;
      ttlS: number;
      /** The near-duplicate cut, higher = stricter; undefined: the shipped default. */
      threshold: number | undefined;
      /** Share of near-duplicate hits also sent to the origin to check them. */
      verifyShare: number;
    };

/** What the decision reads of a request body (any OpenAI request body will do). */
export type CacheableRequest = Record<string, unknown>;

/**
 * `tightened`: the tenant's cut as its measured precision set it (published by
 * its object, see worker/cache/threshold-control.ts), or undefined.
 */
export function cacheDecision(settings: CacheSettings | undefined, body: CacheableRequest, headers: Headers, tightened?: number): CacheDecision {
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
    threshold: effectiveThreshold(settings.threshold, tightened),
    verifyShare: settings.verify_share ?? DEFAULT_VERIFY_SHARE,
  };
}

/** The stricter of the configured (or shipped) cut and the tightened one; undefined when neither is set. */
export function effectiveThreshold(configured: number | undefined, tightened: number | undefined): number | undefined {
  if (tightened === undefined || !(tightened >= 0 && tightened <= 1)) return configured;
  return Math.max(configured ?? DEFAULT_THRESHOLD, tightened);
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
