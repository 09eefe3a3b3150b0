// Committed-spend agreements, pure. While the month's charges (net of
// refunds) are below the commitment, a request costs its price (after volume
// tier and cache discounts) × (1 − discount); once they have reached it, its
// price × overage_multiplier. The request that crosses the line is priced
// whole at the discount: the rate is the one the month had *before* it, as
// volume tiers are.
import type { Agreement } from "../schemas/billing";

/** What a request costs under the agreement, and whether it was within the commitment. */
export function agreementPrice(agreement: Agreement | null | undefined, priceNanos: number, monthChargedNanos: number): { costNanos: number; within: boolean } {
  if (!agreement) return { costNanos: priceNanos, within: false };
  const within = monthChargedNanos < agreement.monthly_commit_nanos;
  const factor = within ? 1 - agreement.discount : agreement.overage_multiplier;
  return { costNanos: Math.round(priceNanos * factor), within };
}

/** The most an agreement can multiply a price by: what a funds hold must assume. */
export function agreementMaxFactor(agreement: Agreement | null | undefined): number {
  if (!agreement) return 1;
  return Math.max(1 - agreement.discount, agreement.overage_multiplier);
}

export interface AgreementStatus {
  committed_nanos: number;
  used_nanos: number;
  remaining_nanos: number;
  /** What the month falls short of the commitment (owed at month end on top of the charges). */
  shortfall_nanos: number;
  discount: number;
  overage_multiplier: number;
}

export function agreementStatus(agreement: Agreement, monthChargedNanos: number): AgreementStatus {
  const used = Math.max(0, monthChargedNanos);
  const remaining = Math.max(0, agreement.monthly_commit_nanos - used);
  return {
    committed_nanos: agreement.monthly_commit_nanos,
    used_nanos: used,
    remaining_nanos: remaining,
    shortfall_nanos: remaining,
    discount: agreement.discount,
    overage_multiplier: agreement.overage_multiplier,
  };
}
