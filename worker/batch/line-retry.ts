// Retries of one batch line. The request path already fails over between
// origins within one attempt; a line is tried again later only when the whole
// attempt failed for a reason that may pass (429, 5xx, nothing answered), up
// to a bounded number of times, waiting longer each time.

export const MAX_LINE_ATTEMPTS = 3;
const FIRST_BACKOFF_MS = 1_000;
const MAX_BACKOFF_MS = 60_000;

/** Whether an answer with this status may be worth another try. */
export const retryable = (status: number): boolean => status === 429 || status === 408 || status >= 500 || status === 0;

/** When the line may be tried again after its `attempts`-th failed attempt; null: it has failed for good. */
export function nextAttemptAt(status: number, attempts: number, nowMs: number, maxAttempts = MAX_LINE_ATTEMPTS): number | null {
  if (!retryable(status) || attempts >= maxAttempts) return null;
  return nowMs + Math.min(MAX_BACKOFF_MS, FIRST_BACKOFF_MS * 2 ** (attempts - 1));
}
