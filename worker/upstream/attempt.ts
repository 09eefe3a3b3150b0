// One attempt at one origin: the fetch, its time limit, the watch for a
// stream's first chunk, and what the answer says about the origin (failover,
// an answer for the client, or a final error). Which origin to try next, and
// when to start another alongside, is retry.ts's and hedge.ts's business.
import { ApiError } from "../http/errors";
import { answerUsage, type AnswerUsage } from "../metering/tokens";
import type { Candidate } from "../routing/candidates";
import { inFlight } from "../isolate/in-flight";
import { retryAfterMs, ttftEstimate, type Observation } from "../stats/observation";
import { rejectionKind, requestRejection } from "./origin-rejection";
import { MAX_ORIGIN_BODY_BYTES, MAX_REJECTION_BYTES, readCapped } from "./read-capped";
import { nativeCopies, relayNatively } from "./native-relay";
import { relay, type StreamEnd } from "./relay";
import { bodyFor } from "./request-body";
import { answerOf, completionTokens, isEventStream, streamHeaders, upstreamHeaders, upstreamUrl } from "./wire";

/** One origin to try, with what routing expects of it. */
export interface Target {
  candidate: Candidate;
  /** Start a hedge when this origin has not answered by then (its p95), or never. */
  hedgeAfterMs: number | null;
  /** Its known time per output token, to estimate TTFT from a whole answer. */
  tpotMs: number | null;
}

/** What every attempt of one request shares (the rest of `ForwardPlan` is the retry loop's). */
export interface AttemptPlan {
  /** Path below the origin's base URL, e.g. `/chat/completions`. */
  path: string;
  stream: boolean;
  /** SSE streams end with `data: [DONE]` (chat and completions, not responses). */
  expectDone: boolean;
  /** The tenant's prefix-cache salt, for origins that take one (chat and completions); null: none. */
  cacheSalt?: string | null;
  /** Our own id for this request at the origins (never the client's). */
  requestId: string;
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
  /** The request lets origins marked `stream_relay: "native"` stream to the client natively (see native-relay.ts). */
  nativeRelay?: boolean;
}

export type Outcome = "ok" | "client_error" | "http_error" | "timeout" | "network_error" | "empty_stream" | "bad_response" | "cancelled" | "internal_error";

export interface Attempt {
  origin: string;
  outcome: Outcome;
  status?: number;
  ms: number;
  hedge?: true;
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

export interface AttemptResult {
  attempt: Attempt;
  response?: Response;
  /** A non-streamed answer's usage, read while checking it (metering needs no second parse). */
  usage?: AnswerUsage;
  /** Ends the request with this error: no other origin would do better. */
  final?: ApiError;
}

/** An attempt under way, as the retry loop and the hedge race hold it. */
export interface Running {
  target: Target;
  result: Promise<AttemptResult>;
  started: number;
  hedge: boolean;
  /** Aborts the attempt now. */
  cancel(): void;
  /** Lost the race: aborts it, or (streams) lets it run on to its first byte or its limit, unread. */
  abandon(): void;
}

/** Starts one attempt at `target`; `winner` tells it whether another attempt already answered for the request. */
export function launch(plan: AttemptPlan, serialized: string, target: Target, hedge: boolean, fetcher: typeof fetch, winner: () => Target | null): Running {
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

/** An attempt's time limit, and whether running out of it is the origin's failure (see `healthLimits`). */
interface Limit {
  ms: number;
  judged: boolean;
}

async function attempt(plan: AttemptPlan, serialized: string, target: Target, limit: Limit, controller: AbortController, fetcher: typeof fetch, winner: () => Target | null): Promise<AttemptResult> {
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
      // The native relay hands the client a copy of the origin's body made before the first read
      // (native-relay.ts): the runtime streams it; the router watches the other.
      const native = plan.nativeRelay === true && plan.waitUntil !== undefined && origin.stream_relay === "native";
      const copies = native ? nativeCopies(upstream.body) : null;
      const reader = (copies?.watched ?? upstream.body).getReader();
      const drop = () => {
        void reader.cancel().catch(() => {});
        void copies?.toClient.cancel().catch(() => {});
      };
      const first = await io(reader.read()).catch((err: unknown) => {
        drop();
        throw err;
      });
      if (first.done) {
        drop();
        return failed(record("empty_stream", upstream.status), observe);
      }
      clearTimeout(timer);
      const ttftMs = Date.now() - started;
      if (winner() !== null && winner() !== target) {
        // Lost the race but answered within its limit (see `abandon`): an honest sample, then closed.
        observe({ ok: true, ttftMs });
        drop();
        return { attempt: record("cancelled") };
      }
      streaming = true;
      const onEnd = (end: StreamEnd) => {
        inFlight.end(origin.id);
        const totalMs = Date.now() - started;
        // A client that left, or a stream cut at a size limit the request may have asked for: not the origin's failure.
        if (end.cancelled || end.tooLarge) observe({ ok: true, ttftMs });
        else observe({ ok: end.ok, ttftMs, totalMs, outputTokens: end.outputTokens });
        if (winner() === target) plan.onStreamEnd?.(end);
      };
      const body =
        copies && plan.waitUntil
          ? relayNatively(copies, first.value, reader, { expectDone: plan.expectDone, waitUntil: plan.waitUntil, onEnd })
          : relay(first.value, reader, {
              expectDone: plan.expectDone,
              stripUsage: plan.stripUsage === true,
              ...(plan.waitUntil ? { waitUntil: plan.waitUntil } : {}),
              onCancel: () => controller.abort(),
              onEnd,
            });
      return { attempt: record("ok", upstream.status), response: new Response(body, { status: upstream.status, headers: streamHeaders() }) };
    }

    // A non-streamed answer is read whole (up to a cap), so a body cut short, garbled or endless still fails over.
    const text = await io(readCapped(upstream, MAX_ORIGIN_BODY_BYTES));
    // Too large to hold: the request may have asked for that much (thousands of embeddings), so the
    // origin is not judged, and no other origin is asked for the same.
    if (text === null) return { attempt: record("bad_response", upstream.status), final: answerTooLarge() };
    const answer = answerOf(text);
    if (!answer) return failed(record("bad_response", upstream.status), observe);
    const totalMs = Date.now() - started;
    const outputTokens = completionTokens(answer);
    observe({ ok: true, totalMs, outputTokens, ttftMs: ttftEstimate(totalMs, outputTokens, target.tpotMs) });
    return {
      attempt: record("ok", upstream.status),
      response: new Response(text, { status: upstream.status, headers: { "content-type": "application/json" } }),
      usage: answerUsage(answer),
    };
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

function failed(attempt: Attempt, observe: (o: { ok: false; status?: number }) => void): AttemptResult {
  observe({ ok: false, ...(attempt.status ? { status: attempt.status } : {}) });
  return { attempt };
}

const answerTooLarge = () =>
  new ApiError(502, `The origin's answer is larger than the ${MAX_ORIGIN_BODY_BYTES / 1024 / 1024} MiB the router holds: ask for less (fewer inputs or choices, or stream).`, "upstream_error", "upstream_response_too_large");
