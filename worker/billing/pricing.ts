// What one request costs a tenant. Pure: the Tenant object charges with it
// (authoritatively) and isolates use it to estimate what they have not yet
// reported.
//
// Money is counted in integer nano-dollars: a short prompt to a cheap model
// costs a fraction of a micro-dollar, and sums of floats drift.
import { own } from "../own";
import { DEFAULT_BATCH_DISCOUNT, DEFAULT_CACHE_HIT_DISCOUNT, type ModelPrice, type Pricing } from "../schemas/billing";

export const NANOS_PER_USD = 1_000_000_000;

export const usdToNanos = (usd: number): number => Math.round(usd * NANOS_PER_USD);
export const nanosToUsd = (nanos: number): number => nanos / NANOS_PER_USD;

/**
 * Whether a number may stand for money: an integer count of nano-dollars
 * that adds up exactly. NaN, Infinity and fractions never may: a NaN compares
 * false with everything, so it would pass any gate written as "refuse if
 * less than".
 */
export const isNanos = (n: unknown): n is number => typeof n === "number" && Number.isSafeInteger(n);

export interface ChargeInput {
  /** The tenant's price list, if it has one. */
  pricing: Pricing | undefined;
  /** The public model that served the request. */
  model: string;
  /**
   * The list price when the tenant's price list has no entry for the model:
   * the serving origin's price (for a cache hit, the cheapest origin's). Null
   * when nothing prices the model: then it is free.
   */
  listPrice: ModelPrice | null;
  inputTokens: number;
  outputTokens: number;
  /** Answered without an origin call (a cache hit or a coalesced follower). */
  cacheHit: boolean;
  /** Tokens the tenant used this month before this request: picks the volume tier. */
  monthTokens: number;
  /** A Batch API line: the batch discount applies (after the volume tier, before the cache's). */
  batch?: boolean;
}

export interface Charge {
  /** What the tenant pays. */
  costNanos: number;
  /** What the cache hit waived (0 on a miss); cost + saved is the undiscounted price. */
  savedNanos: number;
}

/**
 * The price per 1M tokens a tenant pays for a model before discounts. Only
 * the price list's own entries count (a model named `constructor` is not
 * priced by Object.prototype), and only well-formed prices.
 */
export function priceOf(pricing: Pricing | undefined, model: string, listPrice: ModelPrice | null): ModelPrice | null {
  const tenantPrice = own(pricing?.models, model);
  if (isPrice(tenantPrice)) return tenantPrice;
  return isPrice(listPrice) ? listPrice : null;
}

function isPrice(price: unknown): price is ModelPrice {
  const p = price as Partial<ModelPrice> | null | undefined;
  return typeof p === "object" && p !== null && perMillion(p.input_per_m) && perMillion(p.output_per_m);
}

const perMillion = (n: unknown) => typeof n === "number" && Number.isFinite(n) && n >= 0;

/** The discount of the highest tier the month's tokens have reached (0 below every tier). */
export function tierDiscount(tiers: Pricing["tiers"] | undefined, monthTokens: number): number {
  let best = -1;
  let discount = 0;
  for (const tier of tiers ?? []) {
    if (tier.from_tokens <= monthTokens && tier.from_tokens > best) {
      best = tier.from_tokens;
      discount = tier.discount;
    }
  }
  return discount;
}

/**
 * Finite for any input; absurd token counts can still make it too large to
 * count exactly, so whoever admits or stores a charge checks `isNanos`.
 */
export function charge(input: ChargeInput): Charge {
  const price = priceOf(input.pricing, input.model, input.listPrice);
  if (!price) return { costNanos: 0, savedNanos: 0 };
  // USD per 1M tokens is exactly 1000 nano-dollars per token per USD.
  const listNanos = (tokens(input.inputTokens) * price.input_per_m + tokens(input.outputTokens) * price.output_per_m) * 1000;
  const tiered = listNanos * (1 - tierDiscount(input.pricing?.tiers, input.monthTokens));
  const full = Math.round(input.batch ? tiered * (1 - (input.pricing?.batch_discount ?? DEFAULT_BATCH_DISCOUNT)) : tiered);
  if (!input.cacheHit) return { costNanos: full, savedNanos: 0 };
  const waived = input.pricing?.cache_hit_discount ?? DEFAULT_CACHE_HIT_DISCOUNT;
  const costNanos = Math.round(full * (1 - waived));
  return { costNanos, savedNanos: full - costNanos };
}

/** Token counts from the wire are trusted only as non-negative integers. */
function tokens(n: number): number {
  return Number.isFinite(n) && n > 0 ? Math.round(n) : 0;
}
