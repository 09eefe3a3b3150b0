import { ApiError } from "../http/errors";

/**
 * The 503 a request gets when the tenant's object, which keeps its rate
 * limits and its money, cannot be reached and this isolate's grace allowance
 * for the tenant is spent.
 */
export function tenantStateUnavailable(what: "rate limits" | "funds"): ApiError {
  return new ApiError(503, `The service that keeps this tenant's ${what} cannot be reached right now. Retry shortly.`, "api_error", "tenant_state_unavailable", {}, { "retry-after": "5" });
}
