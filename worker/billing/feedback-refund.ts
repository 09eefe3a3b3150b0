// The billing side of `POST /v1/feedback`: a call rated down is refunded when
// the tenant's price list offers it (see durable-objects/tenant/refunds.ts).
// Only the caller's own tenant object is asked, so a request id of another
// tenant refunds nothing; tenants without the option make no call.
import type { TenantRecord } from "../schemas/admin";
import { tenantObject } from "../objects/stubs";
import { nanosToUsd } from "./pricing";
import { RATED_DOWN_BELOW } from "./refund-policy";

/** What the feedback answer says about money: refunded (with the amount), pending (the call's usage has not arrived), or refused and why. */
export type RefundNote = { status: "refunded"; amount_usd: number; amount_nanos: number } | { status: "pending" } | { status: "refused"; reason: string };

export async function refundOnFeedback(env: Env, tenant: TenantRecord, requestId: string, rating: number): Promise<RefundNote | null> {
  if (!tenant.pricing?.outcomes?.feedback_refund || !(rating < RATED_DOWN_BELOW)) return null;
  const result = await tenantObject(env, tenant.id).refundRatedDown(requestId, rating);
  if (!result) return null;
  if (result.status !== "refunded") return result;
  return { status: "refunded", amount_nanos: result.refund.amount_nanos, amount_usd: nanosToUsd(result.refund.amount_nanos) };
}
