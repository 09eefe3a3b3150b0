// Every usage batch reaches the tenant's object twice (the isolate sends it
// directly for a fresh account, and the queue delivers it at least once), and
// everything a record does to the object happens in the call that first
// takes it. So a record whose id the object already holds is dropped up
// front: a batch seen before costs one lookup per chunk, not the dozens of
// statements that would each find it applied.
import type { UsageRecord } from "../../worker/metering/usage-record";
import { selectIn } from "./select-in";

/**
 * The records whose usage ids the object does not hold yet. Each id is looked
 * up where its record would have gone: a shadow call's in the shadow-call
 * log, every other record's in the ledger (a record is one or the other from
 * the call that made it).
 */
export function unseenUsage(sql: SqlStorage, batch: readonly UsageRecord[]): UsageRecord[] {
  const billed: string[] = [];
  const shadow: string[] = [];
  for (const r of batch) (r.shadow ? shadow : billed).push(r.id);
  const seen = new Set<string>();
  for (const row of selectIn<{ id: string }>(sql, billed, (marks) => `SELECT id FROM usage_events WHERE id IN (${marks})`)) seen.add(row.id);
  for (const row of selectIn<{ id: string }>(sql, shadow, (marks) => `SELECT id FROM shadow_events WHERE id IN (${marks})`)) seen.add(row.id);
  return seen.size === 0 ? [...batch] : batch.filter((r) => !seen.has(r.id));
}
