// UTC days and months: usage is rolled up by UTC day, budgets and volume
// tiers run by UTC calendar month.
import { badRequest } from "../http/errors";

const DAY_MS = 86_400_000;
/** The longest range one usage read-out may span. */
export const MAX_RANGE_DAYS = 366;

/** `YYYY-MM-DD` of a moment. */
export const utcDay = (ms: number): string => new Date(ms).toISOString().slice(0, 10);

/** `YYYY-MM` of a moment. */
export const utcMonth = (ms: number): string => new Date(ms).toISOString().slice(0, 7);

/** A usage read-out's days, inclusive: this month so far unless the query says otherwise. */
export function usageRange(query: { from?: string | undefined; to?: string | undefined }, now: number): { from: string; to: string } {
  const from = query.from ?? `${utcMonth(now)}-01`;
  const to = query.to ?? utcDay(now);
  const start = dayMs(from, "from");
  const end = dayMs(to, "to");
  if (start > end) throw badRequest("Query parameter from must not be after to.", "invalid_query", "from");
  if ((end - start) / DAY_MS >= MAX_RANGE_DAYS) throw badRequest(`A usage read-out spans at most ${MAX_RANGE_DAYS} days.`, "invalid_query", "from");
  return { from, to };
}

/** Midnight UTC of a `YYYY-MM-DD` day; 400 for a day that does not exist (2026-02-30). */
function dayMs(day: string, param: string): number {
  const ms = Date.parse(`${day}T00:00:00Z`);
  if (!Number.isFinite(ms) || utcDay(ms) !== day) throw badRequest(`Query parameter ${param} is not a calendar date: ${day}.`, "invalid_query", param);
  return ms;
}
