// Usage records on their way through the usage queue: one message per
// record, so that the queue acknowledges, retries and dead-letters each
// record on its own and one that cannot be delivered holds up no other.
import type { UsageRecord } from "./usage-record";

export interface UsageMessage {
  tenant_id: string;
  record: UsageRecord;
}

/** At most this many messages per `sendBatch` (the platform's limit is 100 messages and 256 KB). */
export const SEND_BATCH_MAX = 50;

export function usageMessages(tenantId: string, records: readonly UsageRecord[]): UsageMessage[] {
  return records.map((record) => ({ tenant_id: tenantId, record }));
}

/** The message's tenant and record, or null when the body is not a usage message (the record itself is screened by the object). */
export function readUsageMessage(body: unknown): UsageMessage | null {
  if (typeof body !== "object" || body === null) return null;
  const { tenant_id, record } = body as Partial<UsageMessage>;
  if (typeof tenant_id !== "string" || tenant_id.length === 0 || tenant_id.length > 256) return null;
  if (typeof record !== "object" || record === null) return null;
  return { tenant_id, record };
}
