// Binds the usage recorder to the Tenant objects: one recorder per isolate
// (per env object, like settings), whose batches go to the tenant's object
// and whose acknowledgements refresh the isolate's account copies.
import { adoptAccount } from "../billing/account-client";
import type { AccountState } from "../billing/account";
import { settings } from "../settings";
import { UsageRecorder } from "./recorder";

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
      send: async (tenantId, batch) => (await env.TENANT.get(env.TENANT.idFromName(tenantId)).recordUsage(batch)) as AccountState | null,
      onAccount: adoptAccount,
      flushAfterMs: settings(env).usageFlushMs,
    });
    recorders.set(env, recorder);
  }
  return recorder;
}
