// The money side of admission: 402 when a prepaid balance cannot cover the
// request's input or a hard monthly budget is spent; and the budget header.
// Decided in the isolate from the account its tenant object last reported
// plus what the isolate spent since, so the object is not on the request path.
import type { Context } from "hono";
import type { AppEnv } from "../app-env";
import { ApiError } from "../http/errors";
import { usageRecorder } from "../metering/report";
import { originSnapshot } from "../origins/snapshot";
import type { TenantRecord } from "../schemas/admin";
import { knownAccount, tenantAccount } from "./account-client";
import { utcMonth } from "./calendar";
import { budgetUse, fundsVerdict } from "./funds";
import { listPrice } from "./list-price";
import { charge } from "./pricing";

export interface FundsRequest {
  /** The model the rules chose first. */
  model: string;
  /** Input tokens, estimated from the body. */
  inputTokens: number;
}

export async function checkFunds(c: Context<AppEnv>, req: FundsRequest): Promise<void> {
  const { tenant } = c.get("caller");
  if (!tenant.prepaid && !tenant.budget) return;
  const waitUntil = (p: Promise<unknown>) => c.executionCtx.waitUntil(p);
  const account = await tenantAccount(c.env, tenant.id, waitUntil);
  if (tenant.budget?.mode !== "hard" && !tenant.prepaid) return; // an alert budget only needs the account kept fresh

  const unflushed = usageRecorder(c.env).unflushed(tenant.id);
  const origins = (await originSnapshot(c.env.KV, waitUntil)).origins;
  const estimate = charge({
    pricing: tenant.pricing,
    model: req.model,
    listPrice: listPrice(origins, null, req.model),
    inputTokens: req.inputTokens,
    outputTokens: 0,
    cacheHit: false,
    monthTokens: (account?.tokens_month ?? 0) + unflushed.tokens,
  });
  const verdict = fundsVerdict({ terms: tenant, account, unflushedNanos: unflushed.nanos, estimateNanos: estimate.costNanos, month: utcMonth(Date.now()) });
  if (!verdict.ok) throw new ApiError(402, verdict.message, "invalid_request_error", verdict.code);
}

/** `x-meridian-budget`: whole percent of the monthly budget used, once past its alert threshold; else null. */
export function budgetHeader(env: Env, tenant: TenantRecord): string | null {
  if (!tenant.budget) return null;
  const account = knownAccount(tenant.id);
  if (!account) return null;
  const percent = budgetUse(tenant.budget, account, usageRecorder(env).unflushed(tenant.id).nanos, utcMonth(Date.now())).percent;
  return percent === null ? null : String(percent);
}
