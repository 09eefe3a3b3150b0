// Objects created before a column existed get it on their next start: SQLite
// has no `ADD COLUMN IF NOT EXISTS`, so the table's columns are read first.
// Names come from this code, never from a request.
export function addColumn(sql: SqlStorage, table: string, column: string, type: string): void {
  const columns = sql.exec<{ name: string }>(`PRAGMA table_info(${table})`).toArray();
  if (!columns.some((c) => c.name === column)) sql.exec(`ALTER TABLE ${table} ADD COLUMN ${column} ${type}`);
}
