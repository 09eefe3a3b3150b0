// Counting hits against labels. Pure: the caller computes the verdicts.

export interface Outcome {
  duplicate: boolean;
  hit: boolean;
}

export interface Confusion {
  tp: number;
  fp: number;
  fn: number;
  tn: number;
}

export interface Scores extends Confusion {
  n: number;
  /** tp / (tp + fp); NaN when nothing was a hit. */
  precision: number;
  /** tp / (tp + fn); NaN when there are no duplicates. */
  recall: number;
  /** Share of all pairs that are hits, right or wrong. */
  hitRate: number;
}

export function confusion(outcomes: Iterable<Outcome>): Confusion {
  const c = { tp: 0, fp: 0, fn: 0, tn: 0 };
  for (const o of outcomes) {
    if (o.hit) o.duplicate ? c.tp++ : c.fp++;
    else o.duplicate ? c.fn++ : c.tn++;
  }
  return c;
}

export function scores(outcomes: Iterable<Outcome>): Scores {
  const c = confusion(outcomes);
  const n = c.tp + c.fp + c.fn + c.tn;
  return {
    ...c,
    n,
    precision: c.tp + c.fp === 0 ? NaN : c.tp / (c.tp + c.fp),
    recall: c.tp + c.fn === 0 ? NaN : c.tp / (c.tp + c.fn),
    hitRate: n === 0 ? NaN : (c.tp + c.fp) / n,
  };
}

/**
 * Lower bound of the Wilson score interval (95% by default) for a proportion
 * of `successes` in `trials`: how low precision could plausibly be given how
 * few hits it was measured on. NaN for zero trials.
 */
export function wilsonLower(successes: number, trials: number, z = 1.96): number {
  if (trials <= 0) return NaN;
  const p = successes / trials;
  const z2 = z * z;
  const centre = p + z2 / (2 * trials);
  const margin = z * Math.sqrt((p * (1 - p)) / trials + z2 / (4 * trials * trials));
  return Math.max(0, (centre - margin) / (1 + z2 / trials));
}

/** Counts per key, keys sorted. */
export function countBy<T>(items: Iterable<T>, key: (item: T) => string): Map<string, number> {
  const m = new Map<string, number>();
  for (const item of items) {
    const k = key(item);
    m.set(k, (m.get(k) ?? 0) + 1);
  }
  return new Map([...m.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}

export interface ThresholdScores {
  threshold: number;
  scores: Scores;
}

/**
 * The threshold with the best recall among those whose precision is at least
 * `minPrecision` (a threshold with no hits at all has no precision and does
 * not qualify); ties go to the higher, safer threshold. Null when none qualify.
 */
export function recommend(rows: readonly ThresholdScores[], minPrecision: number): ThresholdScores | null {
  let best: ThresholdScores | null = null;
  for (const row of rows) {
    const { precision, recall } = row.scores;
    if (!(precision >= minPrecision) || !Number.isFinite(recall)) continue;
    if (!best || recall > best.scores.recall || (recall === best.scores.recall && row.threshold > best.threshold)) best = row;
  }
  return best;
}

/** Thresholds from `from` to `to` inclusive in steps of `step`, without float drift. */
export function thresholdGrid(from: number, to: number, step: number): number[] {
  const out: number[] = [];
  const n = Math.round((to - from) / step);
  for (let i = 0; i <= n; i++) out.push(Number((from + i * step).toFixed(6)));
  return out;
}

/** A share as a fixed-point number, "–" when undefined. */
export function fmtRatio(x: number, digits = 3): string {
  return Number.isFinite(x) ? x.toFixed(digits) : "–";
}

/** A GitHub-flavoured Markdown table; numeric-looking columns are right-aligned. */
export function markdownTable(header: readonly string[], rows: readonly (readonly string[])[]): string {
  const numeric = header.map((_, i) => rows.length > 0 && rows.every((r) => /^[-+]?[\d.,%–]+( ?\*)?$|^–$/.test((r[i] ?? "").trim())));
  const esc = (s: string) => s.replace(/\|/g, "\\|").replace(/\r?\n/g, " ");
  const line = (cells: readonly string[]) => `| ${cells.map(esc).join(" | ")} |`;
  return [line(header), line(header.map((_, i) => (numeric[i] ? "---:" : "---"))), ...rows.map(line)].join("\n");
}
