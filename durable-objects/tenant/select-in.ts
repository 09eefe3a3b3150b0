// Looking many ids up at once: `WHERE id IN (?, ?, ...)`, a chunk of ids per
// statement, since a Durable Object's SQL statement takes at most 100 bound
// parameters. Ids are always bound, never spliced into the text.

const MAX_BOUND = 100;

/** The rows of `statement(marks)` for all of `ids`, where `marks` is a chunk's "?, ?, ..." (bound to the chunk's ids). */
export function selectIn<Row extends Record<string, SqlStorageValue>>(sql: SqlStorage, ids: readonly string[], statement: (marks: string) => string): Row[] {
  const rows: Row[] = [];
  for (let at = 0; at < ids.length; at += MAX_BOUND) {
    const part = ids.slice(at, at + MAX_BOUND);
    for (const row of sql.exec<Row>(statement(part.map(() => "?").join(", ")), ...part)) rows.push(row);
  }
  return rows;
}
