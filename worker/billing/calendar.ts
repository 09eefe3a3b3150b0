// UTC days and months: usage is rolled up by UTC day, budgets and volume
// tiers run by UTC calendar month.
import { badRequest } from "../http/errors";

const DAY_MS = 86_400_000;
/** The longest range one usage read-out may span. */
export const MAX_RANGE_DAYS = 366;

/** `YYYY-MM-DD` of a moment. */
export function utcDay(ms: number): string {
  if (ms >= lastDay.from && ms < lastDay.to) return lastDay.name;
  const name = new Date(ms).toISOString().slice(0, 10); // throws for NaN, as callers expect
  const from = Math.floor(ms / DAY_MS) * DAY_MS;
  lastDay = { from, to: from + DAY_MS, name };
  return name;
}

/** `YYYY-MM` of a moment. */
export function utcMonth(ms: number): string {
  if (ms >= lastMonth.from && ms < lastMonth.to) return lastMonth.name;
  const date = new Date(ms);
  const name = date.toISOString().slice(0, 7);
  lastMonth = { from: Date.UTC(date.getUTCFullYear(), date.getUTCMonth(), 1), to: Date.UTC(date.getUTCFullYear(), date.getUTCMonth() + 1, 1), name };
  return name;
}

// The last day and month named, with their bounds: nearly every call of an
// isolate falls in the same ones, and formatting a date is several times
// dearer than two comparisons (it showed in the request path's CPU profile).
let lastDay = { from: 0, to: 0, name: "" };
let lastMonth = { from: 0, to: 0, name: "" };

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
