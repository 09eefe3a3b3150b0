// Binds the usage recorder to the usage queue and the Tenant objects: one
// recorder per isolate (per env object, like settings), whose batches go to
// the queue and to the tenant's object, and whose acknowledgements refresh
// the isolate's account copies.
import { adoptAccount } from "../billing/account-client";
import { settings } from "../settings";
import { UsageRecorder } from "./recorder";
import { consumeUsage } from "./usage-consumer";
import { SEND_BATCH_MAX, usageMessages } from "./usage-message";
import { tenantObject } from "../objects/stubs";

const recorders = new WeakMap<object, UsageRecorder>();

/** This isolate's recorder if it has one, without making it (for the isolate read-out). */
export function existingUsageRecorder(env: Env): UsageRecorder | null {
  return recorders.get(env) ?? null;
}

export function usageRecorder(env: Env): UsageRecorder {
  let recorder = recorders.get(env);
  if (!recorder) {
    recorder = new UsageRecorder({
      // A stub per call: stubs belong to the request that made them.
      send: async (tenantId, batch) => await tenantObject(env, tenantId).recordUsage(batch),
      persist: async (tenantId, batch) => {
        const messages = usageMessages(tenantId, batch).map((body) => ({ body, contentType: "json" as const }));
        for (let i = 0; i < messages.length; i += SEND_BATCH_MAX) await env.USAGE_QUEUE.sendBatch(messages.slice(i, i + SEND_BATCH_MAX));
      },
      onAccount: adoptAccount,
      flushAfterMs: settings(env).usageFlushMs,
    });
    recorders.set(env, recorder);
  }
  return recorder;
}

/** The usage queue's handler: delivers the records to the tenants' objects. */
export function deliverQueuedUsage(batch: MessageBatch<unknown>, env: Env): Promise<void> {
  return consumeUsage(batch, async (tenantId, records) => await tenantObject(env, tenantId).recordUsage(records), adoptAccount);
}
