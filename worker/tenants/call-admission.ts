// Admission for the tenant's calls that only make work for its object
// (`POST /v1/feedback`, `GET /v1/usage`): the object keeps a per-minute limit
// per key and per tenant (durable-objects/tenant/call-limits.ts), and a call
// beyond it gets a 429 with Retry-After before any of that work is done.
import type { LimitedCall } from "./call-protocol";
import { ApiError } from "../http/errors";
import type { Caller } from "./auth";
import { tenantObject } from "../objects/stubs";

const ROUTE: Record<LimitedCall, string> = { feedback: "POST /v1/feedback", usage: "GET /v1/usage" };

export async function admitCall(env: Env, caller: Caller, call: LimitedCall): Promise<void> {
  const waitMs = await tenantObject(env, caller.tenant.id).admitCall(call, caller.keyId);
  if (waitMs <= 0) return;
  const seconds = Math.max(1, Math.ceil(waitMs / 1_000));
  throw new ApiError(429, `Rate limit reached for ${ROUTE[call]} with API key '${caller.keyId}'. Retry after ${seconds} s.`, "rate_limit_error", "rate_limit_exceeded", {}, { "retry-after": String(seconds) });
}
