// What goes over the wire to an origin and how its answer is recognized: the
// URL, the headers we send, the content type a stream must have, and the
// usage block that makes a JSON body an answer.

export function upstreamUrl(baseUrl: string, path: string): string {
  return baseUrl.replace(/\/+$/, "") + path;
}

export function upstreamHeaders(auth: { header: string; value: string } | null | undefined, requestId: string): Headers {
  // Built from scratch: the tenant's own key and headers never reach an origin.
  const headers = new Headers({ "content-type": "application/json", accept: "application/json, text/event-stream", "x-request-id": requestId });
  if (auth) headers.set(auth.header, auth.value);
  return headers;
}

/** A stream's content type: event-stream, or none said (some servers send none). */
export function isEventStream(contentType: string | null): boolean {
  return contentType === null || contentType.toLowerCase().startsWith("text/event-stream");
}

/** The relay sends SSE whatever the origin called it. */
export function streamHeaders(): Headers {
  return new Headers({ "content-type": "text/event-stream; charset=utf-8", "cache-control": "no-cache" });
}

/**
 * A JSON answer, parsed; null if the body is not an answer: not a JSON
 * object, an error object sent with a 200, or none of the fields an answer
 * has (`choices` for chat and completions, `data` for embeddings, `output`
 * for responses). Such a body is the origin's failure, and its text (an
 * upstream error may name accounts or keys) never reaches the client.
 */
export function answerOf(text: string): object | null {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    return null;
  }
  if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) return null;
  const answer = parsed as { error?: unknown; choices?: unknown; data?: unknown; output?: unknown };
  if (answer.error != null || !(Array.isArray(answer.choices) || Array.isArray(answer.data) || Array.isArray(answer.output))) return null;
  return parsed;
}

/** The generated tokens an answer reports, as the origin's statistics take them (0 when it says none). */
export function completionTokens(answer: object): number {
  const usage = (answer as { usage?: { completion_tokens?: unknown; output_tokens?: unknown } }).usage;
  const tokens = Number(usage?.completion_tokens ?? usage?.output_tokens ?? 0);
  return Number.isFinite(tokens) ? tokens : 0;
}
