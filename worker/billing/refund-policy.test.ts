import { describe, expect, it } from "vitest";
import { refundVerdict, type RefundInput } from "./refund-policy";

const base: RefundInput = {
  rule: { window_minutes: 10, max_share: 0.5, max_count: 3 },
  rating: 0,
  answeredAt: 0,
  ratedAt: 60_000,
  chargedNanos: 20_000_000,
  monthGrossNanos: 80_000_000,
  monthRefundedNanos: 0,
  monthRefunds: 0,
};

describe("refundVerdict", () => {
  it("refunds what the call was charged, whole", () => {
    expect(refundVerdict(base)).toEqual({ ok: true, nanos: 20_000_000 });
  });

  it("only when offered, rated down, within the window and the caps", () => {
    expect(refundVerdict({ ...base, rule: undefined })).toEqual({ ok: false, reason: "not_offered" });
    expect(refundVerdict({ ...base, rating: 0.5 })).toEqual({ ok: false, reason: "not_rated_down" });
    expect(refundVerdict({ ...base, rating: Number.NaN })).toEqual({ ok: false, reason: "not_rated_down" });
    expect(refundVerdict({ ...base, ratedAt: 600_000 }).ok).toBe(true); // exactly 10 minutes
    expect(refundVerdict({ ...base, ratedAt: 600_001 })).toEqual({ ok: false, reason: "window_passed" });
    expect(refundVerdict({ ...base, ratedAt: Number.NaN })).toEqual({ ok: false, reason: "window_passed" });
    expect(refundVerdict({ ...base, chargedNanos: 0 })).toEqual({ ok: false, reason: "nothing_charged" });
    expect(refundVerdict({ ...base, monthRefunds: 3 })).toEqual({ ok: false, reason: "count_cap" });
    expect(refundVerdict({ ...base, monthRefundedNanos: 20_000_000 }).ok).toBe(true); // 40M = half of 80M
    expect(refundVerdict({ ...base, monthRefundedNanos: 20_000_001 })).toEqual({ ok: false, reason: "share_cap" });
  });
});
