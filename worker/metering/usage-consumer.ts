// The usage queue's consumer: delivers each tenant's records in a batch to
// its object, which skips usage ids it has already applied (the isolate may
// have delivered the same records directly, and the queue delivers at least
// once). Each message is acknowledged or retried on its own; a message that
// is not a usage message is logged and dropped at once, and one that keeps
// failing goes to the dead-letter queue after MAX_RETRIES, with a log line.
import type { AccountState } from "../billing/account";
import { readUsageMessage } from "./usage-message";
import type { UsageRecord } from "./usage-record";

/** Must match `max_retries` of the usage queue's consumer in wrangler.toml. */
export const MAX_RETRIES = 5;
/** Waits between deliveries of a failing message: 2, 4, 8 ... seconds, at most a minute. */
const retryDelaySeconds = (attempts: number) => Math.min(60, 2 ** attempts);

export type DeliverUsage = (tenantId: string, records: UsageRecord[]) => Promise<AccountState | null>;

export async function consumeUsage(batch: MessageBatch<unknown>, deliver: DeliverUsage, onAccount: (tenantId: string, account: AccountState) => void): Promise<void> {
  const byTenant = new Map<string, { messages: Message<unknown>[]; records: UsageRecord[] }>();
  for (const message of batch.messages) {
    const usage = readUsageMessage(message.body);
    if (!usage) {
      console.error(`usage queue: message ${message.id} is not a usage record, dropped: ${preview(message.body)}`);
      message.ack();
      continue;
    }
    let group = byTenant.get(usage.tenant_id);
    if (!group) byTenant.set(usage.tenant_id, (group = { messages: [], records: [] }));
    group.messages.push(message);
    group.records.push(usage.record);
  }
  await Promise.all([...byTenant].map(([tenantId, group]) => deliverGroup(tenantId, group.messages, group.records, deliver, onAccount)));
}

/**
 * One call for the tenant's records; if it fails, one call per record, so a
 * record the object cannot take is retried (and in the end dead-lettered)
 * alone while the others are acknowledged.
 */
async function deliverGroup(tenantId: string, messages: Message<unknown>[], records: UsageRecord[], deliver: DeliverUsage, onAccount: (tenantId: string, account: AccountState) => void): Promise<void> {
  const delivered = async (these: Message<unknown>[], theirRecords: UsageRecord[]): Promise<boolean> => {
    try {
      const account = await deliver(tenantId, theirRecords);
      if (account) onAccount(tenantId, account);
      else console.error(`usage queue: no tenant '${tenantId}', ${theirRecords.length} record(s) dropped`);
    } catch {
      return false;
    }
    for (const m of these) m.ack();
    return true;
  };
  if (await delivered(messages, records)) return;
  await Promise.all(
    messages.map(async (m, i) => {
      if (messages.length > 1 && (await delivered([m], [records[i]!]))) return;
      if (m.attempts > MAX_RETRIES) console.error(`usage queue: record ${preview(records[i]!.id)} of tenant '${tenantId}' failed ${m.attempts} times, dead-lettered`);
      m.retry({ delaySeconds: retryDelaySeconds(m.attempts) });
    }),
  );
}

function preview(value: unknown): string {
  try {
    return String(JSON.stringify(value)).slice(0, 200);
  } catch {
    return "(unserializable)";
  }
}
