// The money side of admission: 402 when a prepaid balance or a hard monthly
// budget cannot cover what the request may cost; and the budget header.
//
// For a prepaid or hard-budget tenant the request's most expensive outcome
// is drawn, before it runs, from a lease this isolate holds on the tenant's
// funds (funds-lease.ts); the Tenant object places leases atomically against
// the balance, the month's spend and every other lease. What a request drew
// is settled by its usage record or given back when it is not billed.
// The isolate's own idea of the account is used only while the object
// cannot be reached, within a small grace allowance (then 503).
import { ApiError } from "../http/errors";
import { FailOpenGrace } from "../limits/fail-open-grace";
import { tenantStateUnavailable } from "../limits/unavailable-error";
import { usageRecorder } from "../metering/report";
import type { Origin, TenantRecord } from "../schemas/admin";
import type { ForwardableRequest } from "../schemas/openai";
import { adoptAccount, knownAccount, tenantAccount } from "./account-client";
import { utcMonth } from "./calendar";
import { budgetUse } from "./funds";
import { fundsOnGrace } from "./funds-grace";
import { FundsLeases, LEASE_DRAW_MS, type Drawn } from "./funds-lease";
import { holdEstimateNanos } from "./hold-estimate";
import type { FundsLeaseAnswer } from "./hold-protocol";
import { tenantObject } from "../objects/stubs";

type WaitUntil = (p: Promise<unknown>) => void;

export interface FundsRequest {
  /** Every model the request may be served by, fallbacks included; the first is the one the rules chose. */
  models: readonly string[];
  /** `auto`'s stronger model when a poor cheap answer may be retried there: the request may then be billed twice. */
  escalatesTo?: string | null;
  /** The origin list the request is routed on (list prices). */
  origins: readonly Origin[];
  /** Input tokens, estimated from the body. */
  inputTokens: number;
  /** The request body: its output cap and number of choices. */
  body: ForwardableRequest;
  /** False for endpoints that generate no tokens (embeddings): only the input is held. */
  generates: boolean;
  /** The operator's limit on a whole request (a lease is held at least that long). */
  totalTimeoutMs: number;
}

/** A lease is held for its drawing window, the longest request drawn from it, and this, for their usage records to arrive. */
const HOLD_MARGIN_MS = 60_000;
/** A tenant's lease is forgotten this long after its drawing window (the object has let it lapse by then). */
const FORGET_LEASE_MS = 600_000;

/** This isolate's leases, one per tenant, and the renewals on their way (one at a time per tenant). */
const leases = new FundsLeases();
const renewing = new Map<string, Promise<unknown>>();

/** Tenants with a funds lease, and the bound (for the isolate read-out). */
export const fundsLeaseSizes = () => leases.sizes();

/** What this isolate admits per tenant while the object is unreachable (see funds-grace.ts). */
const grace = new FailOpenGrace();

/** For tests and read-outs: admissions and refusals on the grace allowance. */
export const fundsGraceCounters = grace.counters;

/** Tenants with a grace window, and the bound (for the isolate read-out). */
export const fundsGraceSizes = () => grace.sizes();

/** Whether a tenant's requests pass the funds check at all: prepaid tenants and those with a monthly budget. */
export const checksFunds = (tenant: TenantRecord): boolean => Boolean(tenant.prepaid || tenant.budget);

/**
 * The funds check: what the request drew from this isolate's lease (null:
 * nothing drawn), or the 402. An alert budget only keeps the account fresh.
 */
export async function checkFunds(env: Env, tenant: TenantRecord, req: FundsRequest, waitUntil: WaitUntil): Promise<Drawn | null> {
  if (!tenant.prepaid && !tenant.budget) return null;
  if (tenant.budget?.mode !== "hard" && !tenant.prepaid) {
    await tenantAccount(env, tenant.id, waitUntil); // an alert budget only needs the account kept fresh
    return null;
  }

  const recorder = usageRecorder(env);
  const estimate = holdEstimateNanos({
    pricing: tenant.pricing,
    agreement: tenant.agreement,
    origins: req.origins,
    models: req.models,
    escalatesTo: req.escalatesTo,
    inputTokens: req.inputTokens,
    body: req.body,
    generates: req.generates,
    monthTokens: (knownAccount(tenant.id)?.tokens_month ?? 0) + recorder.unflushed(tenant.id).tokens,
  });
  return drawFunds(env, tenant, estimate, recorder.unflushed(tenant.id).nanos, req.totalTimeoutMs);
}

/**
 * Draws the request's funds from this isolate's lease, renewing it when it
 * cannot cover them; throws 402 when the object refuses. Null: admitted on
 * the grace allowance (the object could not be reached).
 */
async function drawFunds(env: Env, tenant: TenantRecord, estimate: number, unflushedNanos: number, totalTimeoutMs: number): Promise<Drawn | null> {
  for (;;) {
    const now = Date.now();
    const drawn = leases.draw(tenant.id, estimate, now);
    if (drawn) return drawn;
    // One renewal at a time per tenant: the others wait for it and draw from the lease it brings.
    const pending = renewing.get(tenant.id);
    if (pending) {
      await pending.catch(() => {});
      continue;
    }
    const req = leases.renewal(tenant.id, estimate, LEASE_DRAW_MS + totalTimeoutMs + HOLD_MARGIN_MS, crypto.randomUUID());
    const call = tenantObject(env, tenant.id)
      .leaseFunds(req)
      .catch((): FundsLeaseAnswer | null => null);
    renewing.set(tenant.id, call);
    const answer = await call.finally(() => renewing.delete(tenant.id));
    leases.prune(now, FORGET_LEASE_MS);
    if (!answer?.ok) leases.forget(tenant.id, req);
    if (!answer) {
      admitOnGrace(tenant, estimate, unflushedNanos);
      return null;
    }
    adoptAccount(tenant.id, answer.account);
    if (!answer.ok) throw new ApiError(402, answer.message, "invalid_request_error", answer.code);
    return leases.granted(tenant.id, req, answer.grantedNanos, now);
  }
}

/** The object cannot be reached: the last known account and a bounded grace decide (402, or 503 once the grace is spent). */
function admitOnGrace(tenant: TenantRecord, estimate: number, unflushedNanos: number): void {
  const verdict = fundsOnGrace(grace, tenant.id, { terms: tenant, account: knownAccount(tenant.id), unflushedNanos, estimateNanos: estimate, month: utcMonth(Date.now()) });
  if (verdict.ok) return;
  if (verdict.code === "unavailable") throw tenantStateUnavailable("funds");
  throw new ApiError(402, verdict.message, "invalid_request_error", verdict.code);
}

/** Gives back what a request drew: it ends without being billed (refused later, failed, or an error answer). */
export function releaseFunds(env: Env, tenantId: string, drawn: Drawn, waitUntil: WaitUntil): void {
  if (leases.giveBack(tenantId, drawn)) return;
  // Its lease was closed meanwhile: the object holds what it drew. Best effort: what is not given back lapses with the lease.
  waitUntil(
    tenantObject(env, tenantId)
      .releaseFunds(drawn.leaseId, drawn.nanos)
      .catch(() => {}),
  );
}

/** `x-meridian-budget`: whole percent of the monthly budget used, once past its alert threshold; else null. */
export function budgetHeader(env: Env, tenant: TenantRecord): string | null {
  if (!tenant.budget) return null;
  const account = knownAccount(tenant.id);
  if (!account) return null;
  const percent = budgetUse(tenant.budget, account, usageRecorder(env).unflushed(tenant.id).nanos, utcMonth(Date.now())).percent;
  return percent === null ? null : String(percent);
}
