// Looking many ids up at once: `WHERE id IN (?, ?, ...)`, a chunk of ids per
// statement, since a Durable Object's SQL statement takes at most 100 bound
// parameters. Ids are always bound, never spliced into the text.

const MAX_BOUND = 100;

/**
 * The rows of `statement(marks)` for all of `ids`, where `marks` is the chunk's
 * "?, ?, ..." and the statement binds the chunk `uses` times (a UNION of two
 * lookups binds it twice).
 */
export function selectIn<Row extends Record<string, SqlStorageValue>>(sql: SqlStorage, ids: readonly string[], statement: (marks: string) => string, uses = 1): Row[] {
  const chunk = Math.floor(MAX_BOUND / uses);
  const rows: Row[] = [];
  for (let at = 0; at < ids.length; at += chunk) {
    const part = ids.slice(at, at + chunk);
    const args: string[] = [];
    for (let u = 0; u < uses; u++) args.push(...part);
    for (const row of sql.exec<Row>(statement(part.map(() => "?").join(", ")), ...args)) rows.push(row);
  }
  return rows;
}
