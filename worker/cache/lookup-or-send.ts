// The cache in front of the origins: exact hits, then near-duplicate hits,
// else one origin call per distinct request in flight (coalesced), whose
// complete answer is stored after it has been delivered. The request path's
// cache stage (worker/pipeline/cache.ts) calls it with what it knows of the
// request and the function that calls the origins.
import { ApiError } from "../http/errors";
import type { CacheState } from "../metering/usage-record";
import type { CacheSettings, TenantRecord } from "../schemas/admin";
import type { ForwardableRequest } from "../schemas/openai";
import type { Settings } from "../settings";
import { cacheDecision } from "./decision";
import { asJson, asSse, jsonEntry, sseEntry, type CacheEntry } from "./entry";
import { fingerprint } from "./embedder";
import type { PromptFingerprint } from "./fingerprint";
import { exactKey, semanticParts } from "./keys";
import { findSimilar, index, type SemanticMatch } from "./semantic";
import { judge, sampled, type ShadowResult } from "./shadow";
import { deterministic } from "./shadow-compare";
import { board } from "./single-flight";
import { TieredStore } from "./tiered-store";

type WaitUntil = (p: Promise<unknown>) => void;

/** What the cache reads of a request. */
export interface CacheRequest {
  env: Env;
  tenant: TenantRecord;
  /** The endpoint's path below an origin's base URL. */
  path: string;
  body: ForwardableRequest;
  stream: boolean;
  /** The client's headers (`cache-control`, `x-meridian-cache`). */
  headers: Headers;
  settings: Pick<Settings, "ttftTimeoutMs" | "attemptTimeoutMs">;
  waitUntil: WaitUntil;
}

/** An answer and how it came about; `call` is the sender's record of its origin call (a follower gets its leader's). */
export interface CacheAnswer<N> {
  response: Response;
  /** The model that answered (a hit: the model it was stored under); null when a shared error names none. */
  model: string | null;
  /** How the cache answered; null from `send` (then set here). */
  cache: CacheState | null;
  /** How close a near-duplicate hit was. */
  similarity: number | null;
  call: N | null;
  /** A hit: the key of the entry it replayed (so a thumbs-down can evict it). */
  entryKey?: string;
}

/** What the cache is told besides the tenant's settings. */
export interface CacheOptions<N> {
  /** The tenant's near-duplicate cut as its measured precision tightened it (see threshold-control.ts). */
  tightened?: number | undefined;
  /** A near-duplicate hit was also answered by the origin (a sampled share, off the client's path): the verdict and the call. */
  onShadow?: (result: ShadowResult, answer: CacheAnswer<N>, hit: { similarity: number | null; entryKey: string }) => void;
}

/**
 * Calls the origins. `signal` abandons the call (a cache hit won the race);
 * `direct` says the answer goes to this client alone, unrecorded and unshared.
 */
export type Send<R, N> = (req: R, signal: AbortSignal | undefined, direct: boolean) => Promise<CacheAnswer<N>>;

/** What a leader tells its followers with its answer. */
type Note<N> = Pick<CacheAnswer<N>, "model" | "similarity" | "call">;

/** Entries stay in isolate memory up to a minute; the Cache API and KV hold them for their TTL. */
export const entries = new TieredStore<CacheEntry>("cache", 500, 60_000);
/** Larger answers are passed through but not stored. */
const MAX_ENTRY_BYTES = 512 * 1024;
/**
 * How long the cache lookups may run before the origin call starts anyway.
 * Hot keys answer from isolate memory or the PoP's Cache API well within it;
 * a cold KV read races the origin call instead of delaying it.
 */
const LOOKUP_HEAD_START_MS = 5;

type Hit = { kind: "hit"; how: "hit-exact" | "hit-semantic"; entry: CacheEntry; key: string; similarity?: number };
type Race<N> = { kind: "origin"; answer: CacheAnswer<N> } | { kind: "error"; error: unknown } | Hit;

/** A leader that failed: its followers get its error, with no model or call to name. */
const FAILED: Note<never> = { model: null, similarity: null, call: null };

/**
 * Answers `req` from the cache or through `send`. `model` is the model the
 * tenant's rules chose to answer it (the first target): entries are looked up
 * under it, never under the name the client used, and an answer is stored
 * under the model that gave it (a fallback target may have).
 */
export async function lookupOrSend<R extends CacheRequest, N>(
  req: R,
  settings: CacheSettings | undefined,
  model: string,
  send: Send<R, N>,
  options: CacheOptions<N> = {},
): Promise<CacheAnswer<N>> {
  const { tenant, path, body, stream, waitUntil } = req;
  const decision = cacheDecision(settings, body, req.headers, options.tightened);
  if (!decision.use) return answeredAs(await send(req, undefined, true), "bypass");

  const kv = req.env.KV;
  const key = await exactKey(tenant, path, model, body);
  // A sampled share of near-duplicate hits is also answered by the origin, after the client has its answer.
  const verifyNow = (hit: Hit) => {
    if (hit.how !== "hit-semantic" || !options.onShadow || !sampled(decision.verifyShare)) return;
    // A wrong hit's request keeps the origin's answer as its own exact entry: no cut can part prompts whose fingerprints are identical.
    const correct = (entry: CacheEntry) => (decision.exact ? entries.put(kv, key, entry, decision.ttlS) : Promise.resolve());
    const report = options.onShadow;
    // Started on a later turn of the event loop: not even its routing runs before the client's answer is handed back.
    waitUntil(new Promise((resolve) => setTimeout(resolve, 0)).then(() => shadowCall(req, send, hit, stream, model, report, correct)));
  };

  // The exact lookup first, then (on a miss) near-duplicates of the final user
  // turn under the exact same conversation prefix; together they race the origin.
  const parts = decision.semantic ? await semanticParts(tenant, path, model, body) : null;
  const fp: PromptFingerprint | null = parts ? fingerprint(parts.text) : null;
  const exact = decision.exact ? exactHit(kv, key, waitUntil) : null;
  const similar = parts && fp ? () => findSimilar(kv, parts.prefixKey, fp, decision.threshold, waitUntil).then((m) => semanticHit(kv, m, waitUntil)) : null;
  const afterExact = (hit: Hit | null) => hit ?? similar?.() ?? null;
  let lookup = exact || similar ? (exact ?? Promise.resolve(null)).then(afterExact, () => afterExact(null)).catch(() => null) : null;
  if (lookup) {
    const early = await within(lookup, LOOKUP_HEAD_START_MS);
    if (early.settled) {
      if (early.value) return replayHit<N>(early.value, stream, model, () => verifyNow(early.value!));
      lookup = null;
    }
  }

  // Identical misses in this isolate share one origin call, unless its leader goes quiet for longer than an origin may.
  const limits = req.settings;
  const seat = board<Note<N>>(`${key}:${stream ? "sse" : "json"}`, stream ? limits.ttftTimeoutMs : limits.attemptTimeoutMs);
  if (!seat.leader) {
    const followed = await seat.flight.follow();
    // The leader vanished before its answer began (its client left): this request goes on its own.
    if (!followed) return answeredAs(await send(req, undefined, true), "miss");
    const note = seat.flight.note ?? FAILED;
    return { response: followed, model: note.model, cache: "coalesced", similarity: note.similarity, call: note.call };
  }

  const controller = new AbortController();
  const origin: Promise<Race<N>> = send(req, controller.signal, false).then(
    (answer) => ({ kind: "origin", answer }),
    (error: unknown) => ({ kind: "error", error }),
  );
  // A slow lookup races the origin: whichever answers first wins.
  const outcome = lookup ? await Promise.race([origin, lookup.then((hit) => hit ?? origin)]) : await origin;

  if (outcome.kind === "hit") {
    controller.abort();
    void origin.then((o) => (o.kind === "origin" ? o.answer.response.body?.cancel() : undefined));
    const hit = replayHit<N>(outcome, stream, model, () => verifyNow(outcome));
    seat.flight.settle(hit.response.clone(), hit);
    seat.land();
    return hit;
  }
  if (outcome.kind === "error") {
    const err = outcome.error;
    seat.flight.settle(err instanceof ApiError ? err.toResponse() : new ApiError(500, "Internal error.", "api_error", "internal_error").toResponse(), FAILED);
    seat.land();
    throw err;
  }
  // Followers get whatever the origin said; only a complete 200 becomes an entry.
  const answer = outcome.answer;
  const response = answer.response;
  // Where another model's answer (a fallback's) belongs: under that model, so it is found and purged by its name.
  const keysFor = async (answeredBy: string) => ({
    key: await exactKey(tenant, path, answeredBy, body),
    prefixKey: parts ? ((await semanticParts(tenant, path, answeredBy, body))?.prefixKey ?? null) : null,
  });
  const onEnd = (ending: "ok" | "failed", chunks: Uint8Array[]) => {
    seat.land();
    if (ending !== "ok" || response.status !== 200) return;
    const entry = entryFrom(chunks, stream);
    if (!entry) return;
    const answeredBy = answer.model ?? model;
    const at = answeredBy === model ? Promise.resolve({ key, prefixKey: parts?.prefixKey ?? null }) : keysFor(answeredBy);
    waitUntil(
      at.then((k) =>
        Promise.all([entries.put(kv, k.key, entry, decision.ttlS), k.prefixKey && fp ? index(kv, k.prefixKey, fp, k.key, decision.ttlS, waitUntil) : null]),
      ),
    );
  };
  const whole = !stream || response.status !== 200;
  answer.response = whole ? await seat.flight.publishWhole(response, onEnd, answer) : seat.flight.publish(response, onEnd, answer);
  return answeredAs(answer, "miss");
}

/** Says how the cache answered, on the answer `send` made. */
function answeredAs<N>(answer: CacheAnswer<N>, how: CacheState): CacheAnswer<N> {
  answer.cache = how;
  return answer;
}

async function exactHit(kv: KVNamespace, key: string, waitUntil: (p: Promise<unknown>) => void): Promise<Hit | null> {
  const entry = await entries.get(kv, key, waitUntil);
  return entry ? { kind: "hit", how: "hit-exact", entry, key } : null;
}

async function semanticHit(kv: KVNamespace, match: SemanticMatch | null, waitUntil: (p: Promise<unknown>) => void): Promise<Hit | null> {
  if (!match) return null;
  const entry = await entries.get(kv, match.key, waitUntil);
  return entry ? { kind: "hit", how: "hit-semantic", entry, key: match.key, similarity: match.similarity } : null;
}

/** An entry is found only under the model that gave it, so a hit can say which model that was. `replayed` runs once the answer is on its way. */
function replayHit<N>(hit: Hit, stream: boolean, model: string, replayed: () => void): CacheAnswer<N> {
  const answer: CacheAnswer<N> = { response: replay(hit.entry, stream), model, cache: hit.how, similarity: hit.similarity ?? null, call: null, entryKey: hit.key };
  replayed();
  return answer;
}

/** The origin's own answer to a request a near-duplicate hit answered, judged against the entry; never fails. */
async function shadowCall<R extends CacheRequest, N>(
  req: R,
  send: Send<R, N>,
  hit: Hit,
  stream: boolean,
  model: string,
  report: NonNullable<CacheOptions<N>["onShadow"]>,
  correct: (entry: CacheEntry) => Promise<unknown>,
): Promise<void> {
  try {
    const answer = await send(req, undefined, false);
    const result = await judge(hit.entry, answer.response, stream, (answer.model ?? model) === model, deterministic(req.body));
    if (!result) return;
    report(result, answer, { similarity: hit.similarity ?? null, entryKey: hit.key });
    if (result.verdict?.outcome === "disagree" && result.entry) await correct(result.entry);
  } catch {
    // The origins failing is no evidence about the cache, and costs nothing.
  }
}

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

function replay(entry: CacheEntry, stream: boolean): Response {
  // Always with the usage event: metering reads it and takes it out for clients that did not ask.
  if (stream) return new Response(asSse(entry, true), { headers: { "content-type": "text/event-stream; charset=utf-8", "cache-control": "no-cache" } });
  return new Response(asJson(entry), { headers: { "content-type": "application/json" } });
}
