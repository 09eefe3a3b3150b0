// The tenant's audit log: one row per accepted admin write, written in the
// same synchronous block as the write itself, so a write and its audit row
// are committed together or not at all.
import type { AuditEntry } from "../../worker/tenants/admin-protocol";

type AuditRow = { seq: number; at: number; actor: string; action: string; detail: string; rules_version: number };

export function createAuditTable(sql: SqlStorage): void {
  sql.exec(
    `CREATE TABLE IF NOT EXISTS audit (seq INTEGER PRIMARY KEY AUTOINCREMENT, at INTEGER NOT NULL, actor TEXT NOT NULL,
      action TEXT NOT NULL, detail TEXT NOT NULL, rules_version INTEGER NOT NULL)`,
  );
}

export function recordAudit(sql: SqlStorage, entry: Omit<AuditEntry, "seq" | "at">): void {
  sql.exec(
    `INSERT INTO audit (at, actor, action, detail, rules_version) VALUES (?, ?, ?, ?, ?)`,
    Date.now(), entry.actor, entry.action, JSON.stringify(entry.detail), entry.rules_version,
  );
}

/** Newest first; `before` pages backwards by sequence number. */
export function readAudit(sql: SqlStorage, limit: number, before?: number): AuditEntry[] {
  const rows = sql
    .exec<AuditRow>(`SELECT * FROM audit WHERE seq < ? ORDER BY seq DESC LIMIT ?`, before ?? Number.MAX_SAFE_INTEGER, limit)
    .toArray();
  return rows.map((r) => ({ ...r, detail: JSON.parse(r.detail) as Record<string, unknown> }));
}
