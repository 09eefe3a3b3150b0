// What one usage record costs the tenant, every rule of its price list in
// order: list price with volume tier and cache discount (pricing.ts), then
// the committed-spend agreement (agreement.ts), then the outcome rules
// (outcomes.ts): a waived answer costs nothing, and what it would have cost
// is recorded as waived. Pure: the tenant's object charges with it, isolates
// estimate with it.
import type { Agreement, Pricing } from "../schemas/billing";
import type { UsageRecord } from "../metering/usage-record";
import { servedFromCache } from "../metering/usage-record";
import { agreementPrice } from "./agreement";
import { outcomeWaiver, type Waiver } from "./outcomes";
import { charge } from "./pricing";

export interface RecordTerms {
  pricing?: Pricing | undefined;
  agreement?: Agreement | null | undefined;
}

export interface RecordCharge {
  /** What the tenant pays for it. */
  costNanos: number;
  /** What the cache discount took off. */
  savedNanos: number;
  /** What an outcome rule waived (the whole cost it would have had), and which rule. */
  waivedNanos: number;
  waiver: Waiver | null;
  /** Priced within the agreement's commitment (false without an agreement). */
  withinCommitment: boolean;
}

/** `monthTokens` picks the volume tier, `monthChargedNanos` the agreement's rate: both as the month stood before this record. */
export function chargeRecord(terms: RecordTerms, r: UsageRecord, monthTokens: number, monthChargedNanos: number): RecordCharge {
  const { costNanos: priced, savedNanos } = charge({
    pricing: terms.pricing,
    model: r.model,
    listPrice: r.list_price,
    inputTokens: r.input_tokens,
    outputTokens: r.output_tokens,
    cacheHit: servedFromCache(r.cache),
    monthTokens,
    batch: r.batch === true,
  });
  const agreed = agreementPrice(terms.agreement, priced, monthChargedNanos);
  const waiver = outcomeWaiver(terms.pricing?.outcomes, r);
  if (waiver) return { costNanos: 0, savedNanos, waivedNanos: agreed.costNanos, waiver, withinCommitment: agreed.within };
  return { costNanos: agreed.costNanos, savedNanos, waivedNanos: 0, waiver: null, withinCommitment: agreed.within };
}
