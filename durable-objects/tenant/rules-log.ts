// Every version of a tenant's routing rules, kept forever (they are small).
// Versions only grow: a rollback writes the old document as a new version, so
// the history reads as what was in force when.
import type { RulesDocument, RulesVersion } from "../../worker/schemas/rules";

type Row = { version: number; body: string; created_at: number; author: string; rolled_back_to: number | null; note: string | null };

/** Before any PUT a tenant runs on the empty document, version 0. */
const INITIAL: RulesVersion = { version: 0, rules: {}, created_at: 0, author: "default" };

export function createRulesTable(sql: SqlStorage): void {
  sql.exec(
    `CREATE TABLE IF NOT EXISTS rules (version INTEGER PRIMARY KEY, body TEXT NOT NULL, created_at INTEGER NOT NULL,
      author TEXT NOT NULL, rolled_back_to INTEGER, note TEXT)`,
  );
}

export function currentRules(sql: SqlStorage): RulesVersion {
  const row = sql.exec<Row>(`SELECT * FROM rules ORDER BY version DESC LIMIT 1`).toArray()[0];
  return row ? fromRow(row) : INITIAL;
}

export function rulesAt(sql: SqlStorage, version: number): RulesVersion | null {
  if (version === 0) return INITIAL;
  const row = sql.exec<Row>(`SELECT * FROM rules WHERE version = ?`, version).toArray()[0];
  return row ? fromRow(row) : null;
}

/** Newest first, `before` pages backwards. */
export function rulesHistory(sql: SqlStorage, limit: number, before?: number): RulesVersion[] {
  const rows = sql.exec<Row>(`SELECT * FROM rules WHERE version < ? ORDER BY version DESC LIMIT ?`, before ?? Number.MAX_SAFE_INTEGER, limit).toArray();
  const out = rows.map(fromRow);
  if (out.length < limit && (before === undefined || before > 0)) out.push(INITIAL);
  return out;
}

export function appendRules(sql: SqlStorage, rules: RulesDocument, author: string, extra: { rolled_back_to?: number; note?: string } = {}): RulesVersion {
  const next: RulesVersion = { version: currentRules(sql).version + 1, rules, created_at: Date.now(), author, ...extra };
  sql.exec(
    `INSERT INTO rules (version, body, created_at, author, rolled_back_to, note) VALUES (?, ?, ?, ?, ?, ?)`,
    next.version, JSON.stringify(rules), next.created_at, author, extra.rolled_back_to ?? null, extra.note ?? null,
  );
  return next;
}

function fromRow(row: Row): RulesVersion {
  return {
    version: row.version,
    rules: JSON.parse(row.body) as RulesDocument,
    created_at: row.created_at,
    author: row.author,
    ...(row.rolled_back_to !== null ? { rolled_back_to: row.rolled_back_to } : {}),
    ...(row.note !== null ? { note: row.note } : {}),
  };
}
