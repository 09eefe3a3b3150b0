// An origin's 4xx is either about the request (any origin would say the same,
// so the client hears it) or about the origin (its credential, its routes, its
// limits): then it is the origin's failure and the next origin is tried.

/** Statuses by which an origin judges the request itself: a body it cannot take as given. */
const REQUEST_FAULTS = new Set([400, 422]);

export type RejectionKind = "request" | "origin" | "too_large";

/**
 * Whose fault an origin's 4xx (other than 429) is. 413 is neither the
 * request's for sure (another origin may take a larger body) nor the origin's
 * failure (a client could open circuits with large bodies): it fails over
 * without counting against the origin.
 */
export function rejectionKind(status: number): RejectionKind {
  if (REQUEST_FAULTS.has(status)) return "request";
  return status === 413 ? "too_large" : "origin";
}

const MAX_MESSAGE = 500;
const SAFE_CODE = /^[A-Za-z0-9_.-]{1,64}$/;

/**
 * The client's copy of an origin's verdict on its request, in the OpenAI
 * shape and nothing more: the message (controls removed, cut short), a
 * token-like code and param; whatever else the origin wrote stays behind.
 */
export function requestRejection(status: number, text: string): Response {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    parsed = null;
  }
  const error = (parsed as { error?: unknown } | null)?.error;
  const fields = typeof error === "object" && error !== null ? (error as Record<string, unknown>) : {};
  const message = typeof fields.message === "string" ? fields.message : typeof error === "string" ? error : "";
  const code = typeof fields.code === "string" && SAFE_CODE.test(fields.code) ? fields.code : "upstream_rejected";
  const param = typeof fields.param === "string" && SAFE_CODE.test(fields.param) ? fields.param : null;
  return Response.json(
    { error: { message: clean(message) || `The origin rejected the request (${status}).`, type: "invalid_request_error", code, param } },
    { status },
  );
}

function clean(text: string): string {
  const plain = text.replace(/[\u0000-\u001f\u007f-\u009f\u2028\u2029]+/g, " ").trim();
  return plain.length > MAX_MESSAGE ? `${plain.slice(0, MAX_MESSAGE - 3)}...` : plain;
}
