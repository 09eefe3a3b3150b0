// Every usage batch reaches the tenant's object twice (the isolate sends it
// directly for a fresh account, and the queue delivers it at least once), and
// everything a record does to the object happens in the call that first
// takes it. So a record whose id the object already holds is dropped up
// front: a batch seen before costs one lookup per chunk, not the dozens of
// statements that would each find it applied.
import type { UsageRecord } from "../../worker/metering/usage-record";
import { selectIn } from "./select-in";

/** The records whose usage ids neither the ledger nor the shadow-call log holds yet. */
export function unseenUsage(sql: SqlStorage, batch: readonly UsageRecord[]): UsageRecord[] {
  const rows = selectIn<{ id: string }>(sql, batch.map((r) => r.id), (marks) => `SELECT id FROM usage_events WHERE id IN (${marks}) UNION ALL SELECT id FROM shadow_events WHERE id IN (${marks})`, 2);
  if (rows.length === 0) return [...batch];
  const seen = new Set(rows.map((r) => r.id));
  return batch.filter((r) => !seen.has(r.id));
}
