// Plain-text tables and the value formats they use. Dates are UTC and numbers
// are not localised, so the output reads the same in every CI log.

export interface Column<T> {
  title: string;
  value: (row: T) => string;
  /** Numbers read better right-aligned. */
  align?: "right";
}

/** A table with a header row; columns are two spaces apart, trailing spaces trimmed. */
export function table<T>(rows: readonly T[], columns: readonly Column<T>[]): string {
  if (rows.length === 0) return "(none)";
  const cells = rows.map((row) => columns.map((c) => c.value(row)));
  const widths = columns.map((c, i) => Math.max(c.title.length, ...cells.map((r) => r[i]!.length)));
  const line = (values: readonly string[]) =>
    values
      .map((v, i) => (columns[i]!.align === "right" ? v.padStart(widths[i]!) : v.padEnd(widths[i]!)))
      .join("  ")
      .trimEnd();
  return [line(columns.map((c) => c.title)), ...cells.map(line)].join("\n");
}

/** Milliseconds since the epoch -> `2026-11-27 03:16:29Z`; null or 0 -> `-`. */
export function when(ms: number | null | undefined): string {
  if (!ms) return "-";
  return new Date(ms).toISOString().replace("T", " ").replace(/\.\d+Z$/, "Z");
}

const grouped = (digits: string) => digits.replace(/\B(?=(\d{3})+(?!\d))/g, ",");

/** 1234567 -> `1,234,567`. */
export function count(n: number): string {
  const [whole, fraction] = String(n).split(".");
  return fraction ? `${grouped(whole!)}.${fraction}` : grouped(whole!);
}

/** Cents for sums, six decimals for the fractions of a cent single requests cost. */
export function usd(n: number): string {
  const digits = n !== 0 && Math.abs(n) < 0.01 ? 6 : 2;
  const [whole, fraction] = Math.abs(n).toFixed(digits).split(".");
  return `${n < 0 ? "-" : ""}$${grouped(whole!)}.${fraction}`;
}

/** A value in one line, for table cells: strings as they are, the rest as compact JSON. */
export function brief(value: unknown, max = 60): string {
  const text = typeof value === "string" ? value : JSON.stringify(value) ?? "";
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}

/** A record as aligned `key  value` lines: `at` and `*_at` as dates, `*_usd` as money, lists joined. */
export function fields(record: Readonly<Record<string, unknown>>): string {
  const entries = Object.entries(record).filter(([, v]) => v !== undefined);
  const width = Math.max(0, ...entries.map(([k]) => k.length));
  return entries.map(([k, v]) => `${k.padEnd(width)}  ${fieldValue(k, v)}`).join("\n");
}

function fieldValue(key: string, value: unknown): string {
  if (value === null) return "-";
  if (typeof value === "number") return key === "at" || key.endsWith("_at") ? when(value) : key.endsWith("_usd") ? usd(value) : count(value);
  if (Array.isArray(value) && value.every((v) => typeof v === "string")) return value.join(", ");
  return brief(value, 200);
}
