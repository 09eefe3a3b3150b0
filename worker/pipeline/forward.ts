import { ApiError } from "../http/errors";
import type { Candidate } from "../routing/candidates";
import { inFlight } from "../isolate/in-flight";
import { retryAfterMs, ttftEstimate, type Observation } from "../stats/observation";
import { rejectionKind, requestRejection } from "./origin-rejection";
import { MAX_ORIGIN_BODY_BYTES, MAX_REJECTION_BYTES, readCapped } from "./read-capped";
import { relay, type StreamEnd } from "./relay";
import { bodyFor, serializeBody } from "./upstream-body";

/** One origin to try, with what routing expects of it. */
export interface Target {
  candidate: Candidate;
  /** Start a hedge when this origin has not answered by then (its p95), or never. */
  hedgeAfterMs: number | null;
  /** Its known time per output token, to estimate TTFT from a whole answer. */
  tpotMs: number | null;
}

export interface ForwardPlan {
  targets: readonly Target[];
  /** Path below the origin's base URL, e.g. `/chat/completions`. */
  path: string;
  body: Record<string, unknown>;
  stream: boolean;
  /** SSE streams end with `data: [DONE]` (chat and completions, not responses). */
  expectDone: boolean;
  /** The tenant's prefix-cache salt, for origins that take one (chat and completions); null: none. */
  cacheSalt?: string | null;
  /** Our own id for this request at the origins (never the client's). */
  requestId: string;
  maxAttempts: number;
  /** Streaming: time allowed until the first body chunk of each attempt. */
  ttftTimeoutMs: number;
  /** Non-streaming: time allowed for each whole attempt. */
  attemptTimeoutMs: number;
  /**
   * The operator's limits, by which origins are judged: an attempt that runs
   * out of a shorter one (the tenant's, the client's, or what is left before
   * the deadline) says nothing about the origin's health.
   */
  healthLimits: { ttftTimeoutMs: number; attemptTimeoutMs: number };
  /** Absolute time (ms since epoch) after which no attempt starts or continues. */
  deadline: number;
  /** Asked when a hedge would start: the tenant's hedge budget. */
  mayHedge: () => boolean;
  /** Every attempt's outcome (and a stream's end) for the region's statistics. */
  observe: (obs: Observation) => void;
  /** Keeps a streamed attempt that lost a hedge race running after the response (see `abandon`). */
  waitUntil?: (p: Promise<unknown>) => void;
  /** Abandons the request before its first byte (e.g. the cache found the answer meanwhile). */
  signal?: AbortSignal;
  /** The chosen stream's end, with its usage (metering in the relay). */
  onStreamEnd?: (end: StreamEnd) => void;
  /** Take the usage-only event out of the chosen stream. */
  stripUsage?: boolean;
}

export type Outcome = "ok" | "client_error" | "http_error" | "timeout" | "network_error" | "empty_stream" | "bad_response" | "cancelled" | "internal_error";

export interface Attempt {
  origin: string;
  outcome: Outcome;
  status?: number;
  ms: number;
  hedge?: true;
}

export interface Forwarded {
  response: Response;
  target: Target;
  attempts: Attempt[];
  /** Time to the first byte of the chosen origin's answer (stream: first chunk). */
  ttftMs: number;
  hedged: boolean;
}

class AttemptTimeout extends Error {}
class LostRace extends Error {}
/** Reading from or writing to the origin failed: the only exceptions that are the origin's doing. */
class OriginIoError extends Error {}

/** The origin's I/O, with its failures marked as the origin's (everything else thrown is ours). */
const io = <T>(p: Promise<T>): Promise<T> =>
  p.catch((err: unknown) => {
    throw new OriginIoError(err instanceof Error ? err.message : String(err));
  });

/** `waitUntil` work ends 30 s after the response: a lost attempt is only watched when its limit falls well inside that. */
const WATCH_LOSER_MAX_MS = 25_000;

interface Result {
  attempt: Attempt;
  response?: Response;
  /** Ends the request with this error: no other origin would do better. */
  final?: ApiError;
}

interface Running {
  target: Target;
  result: Promise<Result>;
  started: number;
  hedge: boolean;
  /** Aborts the attempt now. */
  cancel(): void;
  /** Lost the race: aborts it, or (streams) lets it run on to its first byte or its limit, unread. */
  abandon(): void;
}

/**
 * Tries targets in order until one answers. Everything that can fail before
 * the client sees a byte (connect errors, 5xx, 429, a timeout, an empty
 * stream, a garbled body) moves on to the next target. When the current
 * target is slower than its p95 and the budget allows, the next one is
 * started alongside (a hedge): the first to answer wins and the other is
 * abandoned (see `abandon`). A committed stream is relayed to the end, never spliced.
 */
export async function forward(plan: ForwardPlan, fetcher: typeof fetch = fetch): Promise<Forwarded> {
  const serialized = serializeBody(plan.body);
  const attempts: Attempt[] = [];
  const queue = plan.targets.slice(0, plan.maxAttempts);
  let next = 0;
  let hedged = false;
  // Only the winner's stream end is the request's (a lost race's stream is cancelled).
  let chosen: Target | null = null;
  const winner = () => chosen;
  const choose = (target: Target) => (chosen = target);
  while (next < queue.length && plan.deadline > Date.now() && !plan.signal?.aborted) {
    const racers = [launch(plan, serialized, queue[next++]!, false, fetcher, winner)];
    const hedgeAfter = racers[0]!.target.hedgeAfterMs;
    if (hedgeAfter !== null && next < queue.length) {
      const early = await settledWithin(racers[0]!.result, hedgeAfter);
      if (!early && plan.mayHedge()) {
        racers.push(launch(plan, serialized, queue[next++]!, true, fetcher, winner));
        hedged = true;
      }
    }
    const { won, results } = await firstAnswer(racers, choose);
    attempts.push(...results.map((r) => r.attempt));
    const final = results.find((r) => r.final)?.final;
    if (final && !won) throw final;
    if (won) return { response: won.response!, target: won.target, attempts, ttftMs: won.attempt.ms, hedged };
  }
  throw exhausted(attempts);
}

function launch(plan: ForwardPlan, serialized: string, target: Target, hedge: boolean, fetcher: typeof fetch, winner: () => Target | null): Running {
  const controller = new AbortController();
  const started = Date.now();
  const limit = Math.max(1, Math.min(plan.deadline - started, plan.stream ? plan.ttftTimeoutMs : plan.attemptTimeoutMs));
  const judged = limit >= (plan.stream ? plan.healthLimits.ttftTimeoutMs : plan.healthLimits.attemptTimeoutMs);
  plan.signal?.addEventListener("abort", () => controller.abort(new LostRace()), { once: true });
  const result = attempt(plan, serialized, target, { ms: limit, judged }, controller, fetcher, winner).then((r) => (hedge ? { ...r, attempt: { ...r.attempt, hedge: true as const } } : r));
  // If it answered in the same instant as the winner, close the answer nobody will read.
  const closeUnread = () => result.then((r) => r.response?.body?.cancel().catch(() => {}));
  const cancel = () => {
    controller.abort(new LostRace());
    void closeUnread();
  };
  /**
   * A lost stream is judged like any other attempt, not by the hedge that beat
   * it: it runs on unread until its first chunk (a real TTFT sample, then it is
   * closed) or its TTFT limit (a timeout, a failure for the circuit). So an
   * origin that hangs while hedges answer for it opens its circuit, and one that
   * is merely slower records a success. It costs the origin a prefill and one
   * token, and the router an idle connection for at most the limit; hedges are
   * budgeted. A non-streamed answer has no first byte before the whole answer,
   * so a lost one is aborted and counts as a censored sample (`observeCensored`).
   */
  const abandon = () => {
    if (!plan.stream || started + limit - Date.now() > WATCH_LOSER_MAX_MS) return cancel();
    plan.waitUntil?.(closeUnread());
  };
  return { target, result, started, hedge, cancel, abandon };
}

/** Resolves true if `p` settles within `ms`, false otherwise. */
async function settledWithin(p: Promise<unknown>, ms: number): Promise<boolean> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const late = new Promise<false>((r) => (timer = setTimeout(() => r(false), ms)));
  const settled = await Promise.race([p.then(() => true as const), late]);
  clearTimeout(timer);
  return settled;
}

/** The first racer with a response wins; the others still running are abandoned and recorded as cancelled. */
function firstAnswer(racers: Running[], choose: (t: Target) => void): Promise<{ won?: Result & { target: Target }; results: Result[] }> {
  return new Promise((resolve) => {
    const results: Result[] = [];
    const settled = new Set<Running>();
    let decided = false;
    for (const racer of racers) {
      void racer.result.then((r) => {
        settled.add(racer);
        if (decided) return;
        if (!r.response) {
          results.push(r);
          if (settled.size === racers.length) resolve({ results });
          return;
        }
        decided = true;
        choose(racer.target);
        for (const other of racers) {
          if (settled.has(other)) continue;
          other.abandon();
          results.push({ attempt: { origin: other.target.candidate.origin.id, outcome: "cancelled", ms: Date.now() - other.started, ...(other.hedge ? { hedge: true as const } : {}) } });
        }
        results.push(r);
        resolve({ won: { ...r, target: racer.target }, results });
      });
    }
  });
}

/** An attempt's time limit, and whether running out of it is the origin's failure (see `healthLimits`). */
interface Limit {
  ms: number;
  judged: boolean;
}

async function attempt(plan: ForwardPlan, serialized: string, target: Target, limit: Limit, controller: AbortController, fetcher: typeof fetch, winner: () => Target | null): Promise<Result> {
  const started = Date.now();
  const { origin, upstreamModel } = target.candidate;
  const timer = setTimeout(() => controller.abort(new AttemptTimeout()), limit.ms);
  const record = (outcome: Outcome, status?: number): Attempt => ({ origin: origin.id, outcome, ms: Date.now() - started, ...(status ? { status } : {}) });
  const observe = (fields: Omit<Observation, "origin" | "model" | "at">) => plan.observe({ origin: origin.id, model: upstreamModel, at: started, ...fields });
  let streaming = false;
  inFlight.start(origin.id);

  try {
    const payload = bodyFor(serialized, upstreamModel, origin.cache_salt ? (plan.cacheSalt ?? null) : null);
    // Never followed: a redirect would take the origin's credential (and the tenant's prompt) elsewhere.
    const init: RequestInit = { method: "POST", headers: upstreamHeaders(origin.auth, plan.requestId), body: payload, redirect: "manual", signal: controller.signal };
    const upstream = await io(fetcher(upstreamUrl(origin.base_url, plan.path), init));

    if (upstream.status >= 500 || upstream.status === 429) {
      await upstream.body?.cancel();
      observe({ ok: false, status: upstream.status, retryAfterMs: retryAfterMs(upstream.headers.get("retry-after"), Date.now()) });
      return { attempt: record("http_error", upstream.status) };
    }
    if (upstream.status >= 400) {
      const kind = rejectionKind(upstream.status);
      if (kind === "request") {
        // The origin judged the request itself (context too long, bad parameter):
        // another origin would say the same, so the client hears it, sanitized.
        const text = (await io(readCapped(upstream, MAX_REJECTION_BYTES))) ?? "";
        observe({ ok: true, status: upstream.status });
        return { attempt: record("client_error", upstream.status), response: requestRejection(upstream.status, text) };
      }
      // Its credential, routes or limits: the next origin is tried, and the body stays here.
      await upstream.body?.cancel();
      if (kind === "too_large") return { attempt: record("http_error", upstream.status) };
      return failed(record("http_error", upstream.status), observe);
    }
    if (upstream.status !== 200) {
      // A redirect, or a 2xx that is not an answer (201, 204, 206...): not what an inference API sends.
      await upstream.body?.cancel();
      return failed(record("bad_response", upstream.status), observe);
    }

    if (plan.stream) {
      if (!upstream.body) return failed(record("empty_stream", upstream.status), observe);
      // An answer in another format (JSON, HTML) is not the stream that was asked for; none of it is relayed.
      if (!isEventStream(upstream.headers.get("content-type"))) {
        await upstream.body.cancel();
        return failed(record("bad_response", upstream.status), observe);
      }
      const reader = upstream.body.getReader();
      const first = await io(reader.read());
      if (first.done) return failed(record("empty_stream", upstream.status), observe);
      clearTimeout(timer);
      const ttftMs = Date.now() - started;
      if (winner() !== null && winner() !== target) {
        // Lost the race but answered within its limit (see `abandon`): an honest sample, then closed.
        observe({ ok: true, ttftMs });
        void reader.cancel().catch(() => {});
        return { attempt: record("cancelled") };
      }
      streaming = true;
      const body = relay(first.value, reader, {
        expectDone: plan.expectDone,
        stripUsage: plan.stripUsage === true,
        onCancel: () => controller.abort(),
        onEnd: (end) => {
          inFlight.end(origin.id);
          const totalMs = Date.now() - started;
          // A client that left, or a stream cut at a size limit the request may have asked for: not the origin's failure.
          if (end.cancelled || end.tooLarge) observe({ ok: true, ttftMs });
          else observe({ ok: end.ok, ttftMs, totalMs, outputTokens: end.outputTokens });
          if (winner() === target) plan.onStreamEnd?.(end);
        },
      });
      return { attempt: record("ok", upstream.status), response: new Response(body, { status: upstream.status, headers: streamHeaders() }) };
    }

    // A non-streamed answer is read whole (up to a cap), so a body cut short, garbled or endless still fails over.
    const text = await io(readCapped(upstream, MAX_ORIGIN_BODY_BYTES));
    // Too large to hold: the request may have asked for that much (thousands of embeddings), so the
    // origin is not judged, and no other origin is asked for the same.
    if (text === null) return { attempt: record("bad_response", upstream.status), final: answerTooLarge() };
    const usage = usageOf(text);
    if (!usage) return failed(record("bad_response", upstream.status), observe);
    const totalMs = Date.now() - started;
    observe({ ok: true, totalMs, outputTokens: usage.completion_tokens, ttftMs: ttftEstimate(totalMs, usage.completion_tokens, target.tpotMs) });
    return { attempt: record("ok", upstream.status), response: new Response(text, { status: upstream.status, headers: { "content-type": "application/json" } }) };
  } catch (err) {
    const reason: unknown = controller.signal.reason;
    if (reason instanceof LostRace) {
      // Abandoned (a non-streamed loser, or the request itself): its TTFT is at least this long (a censored sample).
      observe({ ok: true, censored: true, ttftMs: Date.now() - started });
      return { attempt: record("cancelled") };
    }
    if (reason instanceof AttemptTimeout || err instanceof AttemptTimeout) {
      if (limit.judged) return failed(record("timeout"), observe);
      // A limit shorter than the operator's ran out: the origin was slower than this request allowed, no more.
      observe({ ok: true, censored: true, ttftMs: Date.now() - started });
      return { attempt: record("timeout") };
    }
    if (err instanceof OriginIoError) return failed(record("network_error"), observe);
    // Our own error: the next origin is tried, and this one's health is untouched.
    console.error(`forward: attempt at ${origin.id} failed inside the router`, err);
    return { attempt: record("internal_error") };
  } finally {
    clearTimeout(timer);
    if (!streaming) inFlight.end(origin.id);
  }
}

function failed(attempt: Attempt, observe: (o: { ok: false; status?: number }) => void): Result {
  observe({ ok: false, ...(attempt.status ? { status: attempt.status } : {}) });
  return { attempt };
}

/**
 * The usage block of a JSON answer; null if the body is not an answer: not a
 * JSON object, an error object sent with a 200, or none of the fields an
 * answer has (`choices` for chat and completions, `data` for embeddings,
 * `output` for responses). Such a body is the origin's failure, and its text
 * (an upstream error may name accounts or keys) never reaches the client.
 */
function usageOf(text: string): { completion_tokens: number } | null {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    return null;
  }
  if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) return null;
  const answer = parsed as { error?: unknown; choices?: unknown; data?: unknown; output?: unknown };
  if (answer.error != null || !(Array.isArray(answer.choices) || Array.isArray(answer.data) || Array.isArray(answer.output))) return null;
  const usage = (parsed as { usage?: { completion_tokens?: unknown; output_tokens?: unknown } } | null)?.usage;
  const tokens = Number(usage?.completion_tokens ?? usage?.output_tokens ?? 0);
  return { completion_tokens: Number.isFinite(tokens) ? tokens : 0 };
}

function upstreamUrl(baseUrl: string, path: string): string {
  return baseUrl.replace(/\/+$/, "") + path;
}

function upstreamHeaders(auth: { header: string; value: string } | null | undefined, requestId: string): Headers {
  // Built from scratch: the tenant's own key and headers never reach an origin.
  const headers = new Headers({ "content-type": "application/json", accept: "application/json, text/event-stream", "x-request-id": requestId });
  if (auth) headers.set(auth.header, auth.value);
  return headers;
}

/** A stream's content type: event-stream, or none said (some servers send none). */
function isEventStream(contentType: string | null): boolean {
  return contentType === null || contentType.toLowerCase().startsWith("text/event-stream");
}

/** The relay sends SSE whatever the origin called it. */
function streamHeaders(): Headers {
  return new Headers({ "content-type": "text/event-stream; charset=utf-8", "cache-control": "no-cache" });
}

const answerTooLarge = () =>
  new ApiError(502, `The origin's answer is larger than the ${MAX_ORIGIN_BODY_BYTES / 1024 / 1024} MiB the router holds: ask for less (fewer inputs or choices, or stream).`, "upstream_error", "upstream_response_too_large");

function exhausted(attempts: Attempt[]): ApiError {
  const tried = attempts.filter((a) => a.outcome !== "cancelled");
  const allTimedOut = tried.length > 0 && tried.every((a) => a.outcome === "timeout");
  if (tried.length > 0 && tried.every((a) => a.status === 413)) {
    return new ApiError(413, "The request is larger than any origin for this model accepts.", "invalid_request_error", "request_too_large", { attempts });
  }
  const summary = attempts.map((a) => `${a.origin}: ${a.status ?? a.outcome} after ${a.ms} ms`).join("; ");
  const message = attempts.length
    ? `No origin could answer (${attempts.length} attempt${attempts.length > 1 ? "s" : ""}: ${summary}).`
    : "No origin could answer before the request deadline.";
  return allTimedOut
    ? new ApiError(504, message, "upstream_error", "upstream_timeout", { attempts })
    : new ApiError(502, message, "upstream_error", "upstream_unavailable", { attempts });
}
