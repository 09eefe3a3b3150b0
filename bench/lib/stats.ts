// Percentiles and a plain-text table printer for the benchmark output.

/** Nearest-rank percentile (p in 0..100) of an ascending array; NaN when empty. */
export function percentile(sorted: readonly number[], p: number): number {
  const n = sorted.length;
  if (n === 0) return NaN;
  const rank = Math.ceil((p / 100) * n);
  return sorted[Math.min(n - 1, Math.max(0, rank - 1))]!;
}

export interface Summary {
  n: number;
  p50: number;
  p99: number;
  mean: number;
  max: number;
}

export function summarize(samples: readonly number[]): Summary {
  const sorted = Float64Array.from(samples).sort();
  const n = sorted.length;
  let sum = 0;
  for (const x of sorted) sum += x;
  const arr = Array.from(sorted);
  return { n, p50: percentile(arr, 50), p99: percentile(arr, 99), mean: n ? sum / n : NaN, max: n ? arr[n - 1]! : NaN };
}

/** Fixed decimals, "-" for a missing value. */
export function fmt(x: number | null | undefined, decimals = 2): string {
  if (x === null || x === undefined || !Number.isFinite(x)) return "-";
  return x.toFixed(decimals);
}

/** Like fmt, with an explicit sign (for differences). */
export function fmtSigned(x: number | null | undefined, decimals = 2): string {
  if (x === null || x === undefined || !Number.isFinite(x)) return "-";
  return (x >= 0 ? "+" : "") + x.toFixed(decimals);
}

export interface Column {
  title: string;
  /** Default "right" (numbers); use "left" for text. */
  align?: "left" | "right";
}

/**
 * Renders rows under a header with aligned columns and a rule below the
 * header. Cells are strings (format numbers with fmt first).
 */
export function table(columns: readonly Column[], rows: readonly (readonly string[])[]): string {
  const widths = columns.map((c, i) => Math.max(c.title.length, ...rows.map((r) => (r[i] ?? "").length)));
  const line = (cells: readonly string[]): string =>
    columns
      .map((c, i) => {
        const cell = cells[i] ?? "";
        return c.align === "left" ? cell.padEnd(widths[i]!) : cell.padStart(widths[i]!);
      })
      .join("  ")
      .trimEnd();
  const out = [line(columns.map((c) => c.title)), widths.map((w) => "-".repeat(w)).join("  ")];
  for (const r of rows) out.push(line(r));
  return out.join("\n");
}
