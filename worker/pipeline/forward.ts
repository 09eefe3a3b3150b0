import { ApiError } from "../http/errors";
import type { Candidate } from "../routing/candidates";
import { relay } from "./relay";

export interface ForwardPlan {
  candidates: readonly Candidate[];
  /** Path below the origin's base URL, e.g. `/chat/completions`. */
  path: string;
  body: Record<string, unknown>;
  stream: boolean;
  /** SSE streams end with `data: [DONE]` (chat and completions, not responses). */
  expectDone: boolean;
  requestId: string;
  maxAttempts: number;
  /** Streaming: time allowed until the first body chunk of each attempt. */
  ttftTimeoutMs: number;
  /** Non-streaming: time allowed for each whole attempt. */
  attemptTimeoutMs: number;
  /** Absolute time (ms since epoch) after which no attempt starts or continues. */
  deadline: number;
}

export type Outcome = "ok" | "client_error" | "http_error" | "timeout" | "network_error" | "empty_stream" | "bad_response";

export interface Attempt {
  origin: string;
  outcome: Outcome;
  status?: number;
  ms: number;
}

export interface Forwarded {
  response: Response;
  candidate: Candidate;
  attempts: Attempt[];
  /** Time to the first byte of the chosen origin's answer (stream: first chunk). */
  ttftMs: number;
}

class AttemptTimeout extends Error {}

/**
 * Tries candidates in order until one answers. Everything that can fail before
 * the client sees a byte (connect errors, 5xx, 429, a timeout, an empty stream)
 * moves on to the next candidate; once a stream is committed it is relayed to
 * the end, never spliced with another origin's.
 */
export async function forward(plan: ForwardPlan, fetcher: typeof fetch = fetch): Promise<Forwarded> {
  const attempts: Attempt[] = [];
  const tries = plan.candidates.slice(0, plan.maxAttempts);
  for (const candidate of tries) {
    const remaining = plan.deadline - Date.now();
    if (remaining <= 0) break;
    const limit = Math.min(remaining, plan.stream ? plan.ttftTimeoutMs : plan.attemptTimeoutMs);
    const result = await attempt(plan, candidate, limit, fetcher);
    attempts.push(result.attempt);
    if (result.response) return { response: result.response, candidate, attempts, ttftMs: result.attempt.ms };
  }
  throw exhausted(attempts);
}

async function attempt(
  plan: ForwardPlan,
  candidate: Candidate,
  limitMs: number,
  fetcher: typeof fetch,
): Promise<{ attempt: Attempt; response?: Response }> {
  const started = Date.now();
  const origin = candidate.origin.id;
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(new AttemptTimeout()), limitMs);
  const record = (outcome: Outcome, status?: number): Attempt => ({ origin, outcome, ms: Date.now() - started, ...(status ? { status } : {}) });

  try {
    const upstream = await fetcher(upstreamUrl(candidate, plan.path), {
      method: "POST",
      headers: upstreamHeaders(candidate, plan.requestId),
      body: JSON.stringify({ ...plan.body, model: candidate.upstreamModel }),
      signal: controller.signal,
    });

    if (upstream.status >= 500 || upstream.status === 429) {
      await upstream.body?.cancel();
      return { attempt: record("http_error", upstream.status) };
    }
    if (!upstream.ok) {
      // The origin judged the request itself (context too long, bad parameter):
      // another origin would say the same, so the client hears it.
      const text = await upstream.text();
      return { attempt: record("client_error", upstream.status), response: clientError(upstream, text) };
    }

    if (plan.stream) {
      if (!upstream.body) return { attempt: record("empty_stream", upstream.status) };
      const reader = upstream.body.getReader();
      const first = await reader.read();
      if (first.done) return { attempt: record("empty_stream", upstream.status) };
      const body = relay(first.value, reader, { expectDone: plan.expectDone, onCancel: () => controller.abort() });
      return { attempt: record("ok", upstream.status), response: new Response(body, { status: upstream.status, headers: streamHeaders(upstream) }) };
    }

    // A non-streamed answer is read whole, so a body cut short or garbled still fails over.
    const text = await upstream.text();
    if (!isJson(text)) return { attempt: record("bad_response", upstream.status) };
    return { attempt: record("ok", upstream.status), response: new Response(text, { status: upstream.status, headers: jsonHeaders() }) };
  } catch (err) {
    const timedOut = controller.signal.reason instanceof AttemptTimeout || err instanceof AttemptTimeout;
    return { attempt: record(timedOut ? "timeout" : "network_error") };
  } finally {
    clearTimeout(timer);
  }
}

function isJson(text: string): boolean {
  try {
    JSON.parse(text);
    return true;
  } catch {
    return false;
  }
}

function upstreamUrl(candidate: Candidate, path: string): string {
  return candidate.origin.base_url.replace(/\/+$/, "") + path;
}

function upstreamHeaders(candidate: Candidate, requestId: string): Headers {
  // Built from scratch: the tenant's own key and headers never reach an origin.
  const headers = new Headers({ "content-type": "application/json", accept: "application/json, text/event-stream", "x-request-id": requestId });
  const auth = candidate.origin.auth;
  if (auth) headers.set(auth.header, auth.value);
  return headers;
}

function streamHeaders(upstream: Response): Headers {
  return new Headers({
    "content-type": upstream.headers.get("content-type") ?? "text/event-stream; charset=utf-8",
    "cache-control": "no-cache",
  });
}

function jsonHeaders(): Headers {
  return new Headers({ "content-type": "application/json" });
}

/** Passes an origin's 4xx through in the OpenAI shape, whatever the origin wrote. */
function clientError(upstream: Response, text: string): Response {
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    body = null;
  }
  const hasShape = typeof body === "object" && body !== null && "error" in body;
  const payload = hasShape
    ? body
    : { error: { message: text.slice(0, 500) || `Origin answered ${upstream.status}.`, type: "invalid_request_error", code: "upstream_rejected" } };
  return Response.json(payload, { status: upstream.status });
}

function exhausted(attempts: Attempt[]): ApiError {
  const allTimedOut = attempts.length > 0 && attempts.every((a) => a.outcome === "timeout");
  const summary = attempts.map((a) => `${a.origin}: ${a.status ?? a.outcome} after ${a.ms} ms`).join("; ");
  const message = attempts.length
    ? `No origin could answer (${attempts.length} attempt${attempts.length > 1 ? "s" : ""}: ${summary}).`
    : "No origin could answer before the request deadline.";
  return allTimedOut
    ? new ApiError(504, message, "upstream_error", "upstream_timeout", { attempts })
    : new ApiError(502, message, "upstream_error", "upstream_unavailable", { attempts });
}
