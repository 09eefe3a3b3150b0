import { ApiError } from "../http/errors";
import type { Denial } from "./lease-protocol";

/** The 429 a refused request gets: whose limit, which one, how big, and when to come back. */
export function rateLimited(denial: Denial, tenantId: string, keyId: string, tokens: number): ApiError {
  const seconds = Math.max(1, Math.ceil(denial.retryAfterMs / 1_000));
  const whose = denial.scope === "tenant" ? `tenant '${tenantId}'` : `API key '${keyId}'`;
  const what =
    denial.kind === "requests"
      ? `${denial.limit} requests per minute (rpm)`
      : `${denial.limit} tokens per minute (tpm), and this request counts ${tokens} tokens (estimated input plus its output cap)`;
  return new ApiError(429, `Rate limit reached for ${whose}: ${what}. Retry after ${seconds} s.`, "rate_limit_error", "rate_limit_exceeded", {}, {
    "retry-after": String(seconds),
    [`x-ratelimit-limit-${denial.kind}`]: String(denial.limit),
    [`x-ratelimit-remaining-${denial.kind}`]: "0",
    [`x-ratelimit-reset-${denial.kind}`]: `${seconds}s`,
  });
}
