// Every usage batch reaches the tenant's object twice (the isolate sends it
// directly for a fresh account, and the queue delivers it at least once), and
// everything a record does to the object happens in the call that first
// takes it. So a record whose id the object already holds is dropped up
// front: a batch seen before costs one lookup per chunk, not the dozens of
// statements that would each find it applied.
import type { UsageRecord } from "../../worker/metering/usage-record";

/** Under the 100 bound parameters a Durable Object's SQL statement may take (each id is bound twice). */
const CHUNK = 40;

/** The records whose usage ids neither the ledger nor the shadow-call log holds yet. */
export function unseenUsage(sql: SqlStorage, batch: readonly UsageRecord[]): UsageRecord[] {
  const seen = new Set<string>();
  for (let at = 0; at < batch.length; at += CHUNK) {
    const ids = batch.slice(at, at + CHUNK).map((r) => r.id);
    const marks = ids.map(() => "?").join(", ");
    const rows = sql.exec<{ id: string }>(`SELECT id FROM usage_events WHERE id IN (${marks}) UNION ALL SELECT id FROM shadow_events WHERE id IN (${marks})`, ...ids, ...ids);
    for (const row of rows) seen.add(row.id);
  }
  return seen.size === 0 ? [...batch] : batch.filter((r) => !seen.has(r.id));
}
