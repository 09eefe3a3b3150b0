import type { RateLimitView } from "./lease-client";

/**
 * The x-ratelimit-* headers OpenAI clients read. "Remaining" is this
 * isolate's view (the object's least bucket at the last lease plus what this
 * isolate still holds), so it is approximate.
 */
export function setRateLimitHeaders(headers: Headers, view: RateLimitView): void {
  if (view.rpm !== undefined) {
    headers.set("x-ratelimit-limit-requests", String(view.rpm));
    headers.set("x-ratelimit-remaining-requests", String(view.remainingRequests));
  }
  if (view.tpm !== undefined) {
    headers.set("x-ratelimit-limit-tokens", String(view.tpm));
    headers.set("x-ratelimit-remaining-tokens", String(view.remainingTokens));
  }
}
