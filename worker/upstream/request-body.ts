import { badRequest } from "../http/errors";

/**
 * The request body as JSON text without its `model`, serialized once before
 * any attempt: a body that cannot be serialized is the request's fault (a
 * 400), never an attempt's, so it can never count against an origin.
 */
export function serializeBody(body: Record<string, unknown>): string {
  // `cache_salt` is Meridian's to set per tenant (see `bodyFor`), never the client's.
  const { model: _model, cache_salt: _salt, ...rest } = body;
  let text: string | undefined;
  try {
    text = JSON.stringify(rest);
  } catch {
    text = undefined;
  }
  if (typeof text !== "string") throw badRequest("Request body cannot be serialized as JSON.", "invalid_json");
  return text;
}

/** The serialized body with the model name one origin knows it by, and the tenant's cache salt for origins that take one. */
export function bodyFor(serialized: string, upstreamModel: string, cacheSalt: string | null = null): string {
  const head = `{"model":${JSON.stringify(upstreamModel)}${cacheSalt === null ? "" : `,"cache_salt":${JSON.stringify(cacheSalt)}`}`;
  return serialized === "{}" ? `${head}}` : `${head},${serialized.slice(1)}`;
}

/** Salts already worked out in this isolate: a digest per request is a measurable share of its CPU. */
const salts = new Map<string, string>();
/** Past this many tenants the map starts over (a salt is cheap to work out again). */
const MAX_SALTS = 10_000;

/** A tenant's prefix-cache salt: the same for all its requests, different for every tenant. */
export async function tenantCacheSalt(tenantId: string): Promise<string> {
  const known = salts.get(tenantId);
  if (known !== undefined) return known;
  const digest = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(`meridian prefix cache\u0000${tenantId}`));
  const salt = [...new Uint8Array(digest, 0, 16)].map((b) => b.toString(16).padStart(2, "0")).join("");
  if (salts.size >= MAX_SALTS) salts.clear();
  salts.set(tenantId, salt);
  return salt;
}
