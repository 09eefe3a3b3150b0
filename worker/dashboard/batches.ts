// The dashboard's batch table, shaped from what the batches' objects say
// (status, progress) and what the tenants' ledgers charged them. Pure.
import type { BatchCharge } from "../billing/account";
import { nanosToUsd } from "../billing/pricing";
import type { BatchObject, BatchStatus } from "../batch/shapes";

export interface BatchRow {
  id: string;
  tenant: string;
  status: BatchStatus;
  total: number;
  completed: number;
  failed: number;
  /** Unix seconds. */
  created_at: number;
  /** When it ended (completed, failed, expired or cancelled); null while it runs. */
  finished_at: number | null;
  /** Lines metered so far and what they were charged (usage reaches the ledger a moment after each line). */
  charged_requests: number;
  spend_usd: number;
}

/** Rows in the order given (the index's: newest first); a batch without a ledger entry yet has spent nothing. */
export function batchRows(batches: readonly { tenantId: string; batch: BatchObject }[], charges: readonly BatchCharge[]): BatchRow[] {
  const charged = new Map(charges.map((c) => [c.batch_id, c]));
  return batches.map(({ tenantId, batch }) => {
    const charge = charged.get(batch.id);
    return {
      id: batch.id,
      tenant: tenantId,
      status: batch.status,
      total: batch.request_counts.total,
      completed: batch.request_counts.completed,
      failed: batch.request_counts.failed,
      created_at: batch.created_at,
      finished_at: batch.completed_at ?? batch.failed_at ?? batch.expired_at ?? batch.cancelled_at,
      charged_requests: charge?.requests ?? 0,
      spend_usd: nanosToUsd(charge?.cost_nanos ?? 0),
    };
  });
}
