// Whether a call rated down (`POST /v1/feedback`) is refunded, pure: the
// tenant's price list must offer refunds, the rating must come within the
// window after the answer, and the month's refunds must stay within both
// caps (a share of the month's charges, and a count). The refund is what the
// call was charged, whole; a call charged nothing refunds nothing.
import type { FeedbackRefund } from "../schemas/billing";

/** A rating below this is "rated down" (thumbs down is 0). */
export const RATED_DOWN_BELOW = 0.5;

export type RefundVerdict =
  | { ok: true; nanos: number }
  | { ok: false; reason: "not_offered" | "not_rated_down" | "window_passed" | "nothing_charged" | "share_cap" | "count_cap" };

export interface RefundInput {
  rule: FeedbackRefund | undefined;
  rating: number;
  /** When the call was answered, and when it was rated. */
  answeredAt: number;
  ratedAt: number;
  chargedNanos: number;
  /** This month's charges before refunds, and its refunds so far (a positive sum, and how many). */
  monthGrossNanos: number;
  monthRefundedNanos: number;
  monthRefunds: number;
}

export function refundVerdict(i: RefundInput): RefundVerdict {
  if (!i.rule) return { ok: false, reason: "not_offered" };
  if (!(i.rating < RATED_DOWN_BELOW)) return { ok: false, reason: "not_rated_down" };
  if (!(i.ratedAt - i.answeredAt <= i.rule.window_minutes * 60_000)) return { ok: false, reason: "window_passed" };
  if (!(i.chargedNanos > 0)) return { ok: false, reason: "nothing_charged" };
  if (i.monthRefunds >= i.rule.max_count) return { ok: false, reason: "count_cap" };
  // Floor: the cap is never passed by rounding.
  if (i.monthRefundedNanos + i.chargedNanos > Math.floor(i.monthGrossNanos * i.rule.max_share)) return { ok: false, reason: "share_cap" };
  return { ok: true, nanos: i.chargedNanos };
}
