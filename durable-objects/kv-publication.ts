// How an object publishes its read path's view to KV. The object's own
// SQLite write is the truth and is already durable when KV is written, so a
// KV failure must neither fail the caller nor leave KV stale until the next
// write: the object sets an alarm, and its alarm republishes everything until
// KV has taken it. The Tenant object and the origin registry share this.

/** How soon a failed publication is retried. */
export const REPUBLISH_AFTER_MS = 2_000;

/** Runs one KV write; on failure, schedules the object's alarm to republish. */
export async function publishOrRetry(storage: DurableObjectStorage, write: () => Promise<unknown>): Promise<void> {
  try {
    await write();
  } catch (err) {
    console.warn(`KV publication failed, republishing in ${REPUBLISH_AFTER_MS} ms:`, err instanceof Error ? err.message : String(err));
    await storage.setAlarm(Date.now() + REPUBLISH_AFTER_MS);
  }
}

