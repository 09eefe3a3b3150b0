// The money side of admission: 402 when a prepaid balance or a hard monthly
// budget cannot cover what the request may cost; and the budget header.
//
// For a prepaid or hard-budget tenant the request's most expensive outcome
// is held by its Tenant object before it runs (atomically against the
// balance, the month's spend and every other request in flight), and
// settled by the request's usage record or released when it is not billed.
// The isolate's own idea of the account is used only while the object
// cannot be reached, within a small grace allowance (then 503).
import type { Context } from "hono";
import type { AppEnv } from "../app-env";
import { ApiError } from "../http/errors";
import { FailOpenGrace } from "../limits/fail-open-grace";
import { tenantStateUnavailable } from "../limits/unavailable-error";
import { usageRecorder } from "../metering/report";
import { originSnapshot } from "../origins/snapshot";
import type { TenantRecord } from "../schemas/admin";
import type { ForwardableRequest } from "../schemas/openai";
import { settings } from "../settings";
import { adoptAccount, knownAccount, tenantAccount } from "./account-client";
import { utcMonth } from "./calendar";
import { budgetUse } from "./funds";
import { fundsOnGrace } from "./funds-grace";
import { holdEstimateNanos } from "./hold-estimate";
import type { HoldAnswer, HoldRequest } from "./hold-protocol";
import { tenantObject } from "../objects/stubs";

export interface FundsRequest {
  /** The model the rules chose first. */
  model: string;
  /** Every model the request may be served by, fallbacks included (default: `model`). */
  models?: readonly string[];
  /** Input tokens, estimated from the body. */
  inputTokens: number;
  /** The request body: its output cap and number of choices. */
  body?: ForwardableRequest;
  /** False for endpoints that generate no tokens (embeddings): only the input is held. */
  generates?: boolean;
}

/** A hold lives for the request's time limit plus this, for its usage record to arrive. */
const HOLD_MARGIN_MS = 60_000;

/** What this isolate admits per tenant while the object is unreachable (see funds-grace.ts). */
const grace = new FailOpenGrace();

/** For tests and read-outs: admissions and refusals on the grace allowance. */
export const fundsGraceCounters = grace.counters;

/** Tenants with a grace window, and the bound (for the isolate read-out). */
export const fundsGraceSizes = () => grace.sizes();

export async function checkFunds(c: Context<AppEnv>, req: FundsRequest): Promise<void> {
  const { tenant } = c.get("caller");
  if (!tenant.prepaid && !tenant.budget) return;
  const waitUntil = (p: Promise<unknown>) => c.executionCtx.waitUntil(p);
  if (tenant.budget?.mode !== "hard" && !tenant.prepaid) {
    await tenantAccount(c.env, tenant.id, waitUntil); // an alert budget only needs the account kept fresh
    return;
  }

  const recorder = usageRecorder(c.env);
  const origins = (await originSnapshot(c.env.KV, waitUntil)).origins;
  const estimate = holdEstimateNanos({
    pricing: tenant.pricing,
    origins,
    models: req.models ?? [req.model],
    inputTokens: req.inputTokens,
    body: req.body ?? { model: req.model },
    generates: req.generates !== false,
    monthTokens: (knownAccount(tenant.id)?.tokens_month ?? 0) + recorder.unflushed(tenant.id).tokens,
  });
  const hold: HoldRequest = { id: crypto.randomUUID(), nanos: estimate, ttlMs: settings(c.env).totalTimeoutMs + HOLD_MARGIN_MS };

  let answer: HoldAnswer | null;
  try {
    answer = await tenantObject(c.env, tenant.id).holdFunds(hold);
  } catch {
    answer = null;
  }
  if (!answer) return admitOnGrace(tenant, estimate, recorder.unflushed(tenant.id).nanos);
  adoptAccount(tenant.id, answer.account);
  if (!answer.ok) throw new ApiError(402, answer.message, "invalid_request_error", answer.code);
  c.set("fundsHold", hold.id);
}

/** The object cannot be reached: the last known account and a bounded grace decide (402, or 503 once the grace is spent). */
function admitOnGrace(tenant: TenantRecord, estimate: number, unflushedNanos: number): void {
  const verdict = fundsOnGrace(grace, tenant.id, { terms: tenant, account: knownAccount(tenant.id), unflushedNanos, estimateNanos: estimate, month: utcMonth(Date.now()) });
  if (verdict.ok) return;
  if (verdict.code === "unavailable") throw tenantStateUnavailable("funds");
  throw new ApiError(402, verdict.message, "invalid_request_error", verdict.code);
}

/** The hold this request's usage record settles, if it has one. */
export function fundsHoldOf(c: Context<AppEnv>): string | undefined {
  return c.get("fundsHold");
}

/** Gives the request's hold back: it ends without being billed (refused later, failed, or an error answer). */
export function releaseFundsHold(c: Context<AppEnv>): void {
  const id = c.get("fundsHold");
  if (!id) return;
  c.set("fundsHold", undefined);
  const { tenant } = c.get("caller");
  // Best effort: a hold that is not released lapses at its expiry.
  c.executionCtx.waitUntil(
    tenantObject(c.env, tenant.id)
      .releaseFunds(id)
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
