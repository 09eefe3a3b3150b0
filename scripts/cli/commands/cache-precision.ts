// The line `meridian usage` prints about the cache's measured precision
// (the read-out's `cache_precision`, see docs/cache.md "Self-measurement in production").
import type { CachePrecisionReport } from "../../../worker/cache/precision-report";
import { usd } from "../format";

const pct = (x: number) => `${(x * 100).toFixed(1)}%`;

export function cachePrecisionLine(p: CachePrecisionReport | undefined): string | null {
  if (!p || typeof p !== "object") return null;
  const n = p.agree + p.disagree + p.thumbs_down;
  const measured = p.precision === null ? "no verdicts yet" : `${pct(p.precision)} [${pct(p.wilson_low)}–${pct(p.wilson_high)}] from ${n} verdicts`;
  const cut = `near-duplicate cut ${p.threshold.effective}${p.threshold.tightened !== null ? " (tightened)" : ""}`;
  const shadow = `shadow calls ${p.shadow.calls}, operator cost ${usd(p.shadow.operator_cost_usd)}`;
  return `cache precision: ${measured} (target ${pct(p.target)}); ${cut}; ${shadow}`;
}
