// The cache in front of the origins: exact hits, then near-duplicate hits,
// else one origin call per distinct request in flight (coalesced), whose
// complete answer is stored after it has been delivered.
import type { Context } from "hono";
import type { AppEnv } from "../app-env";
import { ApiError } from "../http/errors";
import type { ForwardableRequest } from "../schemas/openai";
import { cacheDecision } from "./decision";
import { asJson, asSse, jsonEntry, sseEntry, type CacheEntry } from "./entry";
import { fingerprint } from "./embedder";
import type { PromptFingerprint } from "./fingerprint";
import { exactKey, semanticParts } from "./keys";
import { findSimilar, index, type SemanticMatch } from "./semantic";
import { board } from "./single-flight";
import { TieredStore } from "./tiered-store";

export type Send = (signal?: AbortSignal) => Promise<Response>;

/** Entries stay in isolate memory up to a minute; the Cache API and KV hold them for their TTL. */
export const entries = new TieredStore<CacheEntry>("cache", 500, 60_000);
/** Larger answers are passed through but not stored. */
const MAX_ENTRY_BYTES = 512 * 1024;
/**
 * How long a semantic lookup may run before the origin call starts anyway.
 * Hot band keys answer from isolate memory or the PoP's Cache API well within
 * it; a cold KV read races the origin call instead of delaying it.
 */
const SEMANTIC_HEAD_START_MS = 5;

type Outcome =
  | { kind: "origin"; response: Response }
  | { kind: "error"; error: unknown }
  | { kind: "hit"; entry: CacheEntry; similarity: number };

export async function withCache(c: Context<AppEnv>, path: string, body: ForwardableRequest, send: Send): Promise<Response> {
  const { tenant } = c.get("caller");
  const headers = c.req.raw.headers;
  const decision = cacheDecision(tenant.cache, body, headers);
  if (!decision.use) return mark(await send(), "bypass");

  const kv = c.env.KV;
  const waitUntil = (p: Promise<unknown>) => c.executionCtx.waitUntil(p);
  const stream = body.stream === true;
  const includeUsage = (body.stream_options as { include_usage?: boolean } | null | undefined)?.include_usage === true;
  const key = await exactKey(tenant, path, body);

  if (decision.exact) {
    const entry = await entries.get(kv, key, waitUntil);
    if (entry) return replay(entry, stream, includeUsage, "hit-exact");
  }

  // Near-duplicates of the final user turn, under the exact same conversation prefix.
  const parts = decision.semantic ? await semanticParts(tenant, path, body) : null;
  const fp: PromptFingerprint | null = parts ? fingerprint(parts.text) : null;
  let lookup: Promise<Outcome | null> | null = null;
  if (parts && fp) {
    lookup = findSimilar(kv, parts.prefixKey, fp, decision.threshold, waitUntil)
      .then((match) => semanticHit(kv, match, waitUntil))
      .catch(() => null);
    const early = await within(lookup, SEMANTIC_HEAD_START_MS);
    if (early.settled) {
      if (early.value?.kind === "hit") return replay(early.value.entry, stream, includeUsage, "hit-semantic", similarityHeader(early.value.similarity));
      lookup = null;
    }
  }

  // Identical misses in this isolate share one origin call.
  const seat = board(`${key}:${stream ? "sse" : "json"}`);
  if (!seat.leader) return mark(await seat.flight.follow(), "miss", { "x-meridian-coalesced": "1" });

  const controller = new AbortController();
  const origin: Promise<Outcome> = send(controller.signal).then(
    (response) => ({ kind: "origin", response }),
    (error: unknown) => ({ kind: "error", error }),
  );
  // A slow lookup races the origin: whichever answers first wins.
  const outcome = lookup ? await Promise.race([origin, lookup.then((hit) => hit ?? origin)]) : await origin;

  if (outcome.kind === "hit") {
    controller.abort();
    void origin.then((o) => (o.kind === "origin" ? o.response.body?.cancel() : undefined));
    const hit = replay(outcome.entry, stream, includeUsage, "hit-semantic", similarityHeader(outcome.similarity));
    seat.flight.settle(hit.clone());
    seat.land();
    return hit;
  }
  if (outcome.kind === "error") {
    const err = outcome.error;
    seat.flight.settle(err instanceof ApiError ? err.toResponse() : new ApiError(500, "Internal error.", "api_error", "internal_error").toResponse());
    seat.land();
    throw err;
  }
  const response = outcome.response;
  if (response.status !== 200) {
    seat.land();
    return mark(response, "miss");
  }
  const published = seat.flight.publish(response, (ending, chunks) => {
    seat.land();
    if (ending !== "ok") return;
    const entry = entryFrom(chunks, stream);
    if (!entry) return;
    waitUntil(entries.put(kv, key, entry, decision.ttlS));
    if (parts && fp) waitUntil(index(kv, parts.prefixKey, fp, key, decision.ttlS, waitUntil));
  });
  return mark(published, "miss");
}

async function semanticHit(kv: KVNamespace, match: SemanticMatch | null, waitUntil: (p: Promise<unknown>) => void): Promise<Outcome | null> {
  if (!match) return null;
  const entry = await entries.get(kv, match.key, waitUntil);
  return entry ? { kind: "hit", entry, similarity: match.similarity } : null;
}

const similarityHeader = (similarity: number) => ({ "x-meridian-similarity": similarity.toFixed(4) });

/** Whether `p` settled within `ms`, and its value if so. */
async function within<T>(p: Promise<T>, ms: number): Promise<{ settled: true; value: T } | { settled: false }> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const late = new Promise<{ settled: false }>((resolve) => (timer = setTimeout(() => resolve({ settled: false }), ms)));
  const result = await Promise.race([p.then((value) => ({ settled: true as const, value })), late]);
  clearTimeout(timer);
  return result;
}

/** Only complete, successful, reasonably sized answers become entries. */
function entryFrom(chunks: Uint8Array[], stream: boolean): CacheEntry | null {
  let size = 0;
  for (const chunk of chunks) size += chunk.byteLength;
  if (size === 0 || size > MAX_ENTRY_BYTES) return null;
  const decoder = new TextDecoder();
  let text = "";
  for (const chunk of chunks) text += decoder.decode(chunk, { stream: true });
  text += decoder.decode();
  if (stream) return sseEntry(text);
  try {
    const parsed = JSON.parse(text) as { choices?: unknown };
    return Array.isArray(parsed.choices) ? jsonEntry(text) : null;
  } catch {
    return null;
  }
}

function replay(entry: CacheEntry, stream: boolean, includeUsage: boolean, how: string, extra: Record<string, string> = {}): Response {
  const headers = { "x-meridian-cache": how, ...extra };
  if (stream) return new Response(asSse(entry, includeUsage), { headers: { "content-type": "text/event-stream; charset=utf-8", "cache-control": "no-cache", ...headers } });
  return new Response(asJson(entry), { headers: { "content-type": "application/json", ...headers } });
}

function mark(response: Response, how: string, extra: Record<string, string> = {}): Response {
  response.headers.set("x-meridian-cache", how);
  for (const [k, v] of Object.entries(extra)) response.headers.set(k, v);
  return response;
}
