// Rate limits on the request path. The caller's limits come from KV with the
// caller (the tenant's profile and the key's grant); this isolate's lease
// client admits against them, calling the Tenant object only when its lease
// runs short. Token charges are estimates, corrected by `settleTokens` once
// the real usage is known.
import type { Caller } from "../tenants/auth";
import { LeaseClient, type RateLimitView } from "./lease-client";
import type { LeaseGrant, LeaseRequest } from "./lease-protocol";
import { rateLimited } from "./rate-limit-error";
import { tenantStateUnavailable } from "./unavailable-error";
import { tenantObject } from "../objects/stubs";

const leases = new LeaseClient();

/** For tests and read-outs: admissions against lease calls to the Tenant objects. */
export const leaseCounters = leases.counters;

/** (tenant, key) leases this isolate holds, for the isolate read-out. */
export const leaseSizes = () => leases.sizes();

/** Tenants with a fail-open grace window in this isolate, for the isolate read-out. */
export const leaseGraceSizes = () => leases.graceSizes();

/** What a request is charged against tpm before it runs: its estimated input plus its output cap. */
export function tokenEstimate(work: { inputTokens: number; outputTokens: number }): number {
  return work.inputTokens + work.outputTokens;
}

/** Whether the caller has any limit to count (most tenants have none: nothing to do, nothing allocated). */
export const hasRateLimits = (caller: Caller): boolean => Boolean(caller.tenant.limits || caller.keyLimits);

/**
 * Lets a request estimated at `tokens` through, with what it was charged and
 * the limits as this isolate sees them (null: nothing counted); or throws the
 * 429 (with Retry-After) naming the limit it hit.
 */
export async function enforceRateLimits(env: Env, caller: Caller, tokens: number): Promise<RateLimitView | null> {
  const { tenant, keyId, keyLimits } = caller;
  if (!tenant.limits && !keyLimits) return null;
  const call = async (lease: LeaseRequest): Promise<LeaseGrant> => await tenantObject(env, tenant.id).lease(lease);
  const admission = await leases.admit(call, tenant.id, keyId, { tenant: tenant.limits, key: keyLimits }, tokens);
  if (!admission.ok) throw "unreachable" in admission ? tenantStateUnavailable("rate limits") : rateLimited(admission.denial, tenant.id, keyId, tokens);
  return admission.view;
}

/**
 * Corrects a request's tpm charge once its usage is known: `estimated` is
 * what admission charged (`tokenEstimate`), `actual` the input plus output
 * tokens it used. Cheap and synchronous: the difference is spent or settled
 * with the object by this isolate's next lease.
 */
export function settleTokens(tenantId: string, keyId: string, estimated: number, actual: number): void {
  leases.settle(tenantId, keyId, estimated - actual);
}
