// A hand-written SVG chart of a run: p99 TTFT per time bucket for every
// policy (log scale) with the scenario's phases marked, and below it the share
// of Meridian's requests served by each origin over time.
import type { PolicyResult } from "./metrics";
import type { Scenario } from "./scenario";

const W = 980;
const LEFT = 70;
const RIGHT = 150;
const PLOT_W = W - LEFT - RIGHT;
const TOP1 = 50;
const H1 = 300;
const TOP2 = TOP1 + H1 + 80;
const H2 = 220;
const H = TOP2 + H2 + 50;

const POLICY_COLOURS: Record<string, string> = { meridian: "#1f6fd1", "latency-only": "#9467bd", "meridian-nohedge": "#2ca02c", "meridian-cost": "#17becf", nearest: "#d62728", random: "#8c8c8c", cheapest: "#ff8c1a" };
const ORIGIN_COLOURS = ["#1f77b4", "#aec7e8", "#ff7f0e", "#d62728", "#9467bd", "#8c564b", "#e377c2", "#2ca02c", "#98df8a", "#bcbd22", "#17becf", "#7f7f7f"];

const esc = (s: string) => s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
const f = (n: number) => (Math.round(n * 10) / 10).toString();

export function chart(results: readonly PolicyResult[], scenario: Scenario, title: string): string {
  const minutes = scenario.durationMs / 60_000;
  const x = (ms: number) => LEFT + (ms / scenario.durationMs) * PLOT_W;
  const yMin = Math.log10(20);
  const yMax = Math.log10(40_000);
  const y1 = (v: number) => TOP1 + H1 - ((Math.log10(Math.min(Math.max(v, 20), 40_000)) - yMin) / (yMax - yMin)) * H1;
  const out: string[] = [];
  out.push(`<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" font-family="Helvetica, Arial, sans-serif" font-size="12">`);
  out.push(`<rect width="${W}" height="${H}" fill="#ffffff"/>`);
  out.push(`<text x="${LEFT}" y="24" font-size="16" font-weight="bold">${esc(title)}</text>`);

  // Panel 1 axes and grid.
  out.push(`<text x="${LEFT}" y="${TOP1 - 8}" font-weight="bold">p99 TTFT per ${bucketLabel(results)} (ms, log scale)</text>`);
  for (const v of [20, 50, 100, 200, 500, 1000, 2000, 5000, 10_000, 20_000, 40_000]) {
    const yy = y1(v);
    out.push(`<line x1="${LEFT}" x2="${LEFT + PLOT_W}" y1="${f(yy)}" y2="${f(yy)}" stroke="#e5e5e5"/>`);
    out.push(`<text x="${LEFT - 6}" y="${f(yy + 4)}" text-anchor="end" fill="#555">${v >= 1000 ? `${v / 1000}s` : v}</text>`);
  }
  axisX(out, x, minutes, TOP1 + H1);
  markEvents(out, scenario, x, TOP1, TOP1 + H1);

  const half = (bucketMinutes(results) * 60_000) / 2;
  for (const r of results) {
    const colour = POLICY_COLOURS[r.policy] ?? "#000";
    const segments: string[][] = [[]];
    for (const b of r.buckets) {
      if (!Number.isFinite(b.p99) || b.count === 0) {
        segments.push([]);
        continue;
      }
      segments[segments.length - 1]!.push(`${f(x(b.t + half))},${f(y1(b.p99))}`);
    }
    for (const s of segments) {
      if (s.length > 0) out.push(`<polyline fill="none" stroke="${colour}" stroke-width="${r.policy === "meridian" ? 2.5 : 1.6}" points="${s.join(" ")}"/>`);
    }
  }
  results.forEach((r, i) => {
    const yy = TOP1 + 10 + i * 18;
    out.push(`<line x1="${LEFT + PLOT_W + 12}" x2="${LEFT + PLOT_W + 32}" y1="${yy}" y2="${yy}" stroke="${POLICY_COLOURS[r.policy] ?? "#000"}" stroke-width="3"/>`);
    out.push(`<text x="${LEFT + PLOT_W + 38}" y="${yy + 4}">${esc(r.policy)}</text>`);
  });

  // Panel 2: Meridian's per-origin share, stacked.
  const meridian = results.find((r) => r.policy === "meridian");
  if (meridian) {
    out.push(`<text x="${LEFT}" y="${TOP2 - 8}" font-weight="bold">Meridian: share of requests per origin</text>`);
    const y2 = (share: number) => TOP2 + H2 - share * H2;
    for (const v of [0, 0.25, 0.5, 0.75, 1]) {
      out.push(`<line x1="${LEFT}" x2="${LEFT + PLOT_W}" y1="${f(y2(v))}" y2="${f(y2(v))}" stroke="#e5e5e5"/>`);
      out.push(`<text x="${LEFT - 6}" y="${f(y2(v) + 4)}" text-anchor="end" fill="#555">${v * 100}%</text>`);
    }
    const buckets = meridian.buckets.filter((b) => b.count > 0);
    const step = scenario.durationMs / Math.max(1, meridian.buckets.length);
    const below = buckets.map(() => 0);
    scenario.origins.forEach((o, k) => {
      const top: string[] = [];
      const bottom: string[] = [];
      buckets.forEach((b, i) => {
        const lo = below[i]!;
        const hi = lo + (b.share[k] ?? 0);
        for (const xx of [b.t, b.t + step]) {
          top.push(`${f(x(xx))},${f(y2(hi))}`);
          bottom.push(`${f(x(xx))},${f(y2(lo))}`);
        }
        below[i] = hi;
      });
      out.push(`<polygon fill="${ORIGIN_COLOURS[k % ORIGIN_COLOURS.length]}" fill-opacity="0.9" stroke="none" points="${[...top, ...bottom.reverse()].join(" ")}"/>`);
      const yy = TOP2 + 6 + k * 17;
      out.push(`<rect x="${LEFT + PLOT_W + 12}" y="${yy - 9}" width="14" height="11" fill="${ORIGIN_COLOURS[k % ORIGIN_COLOURS.length]}"/>`);
      out.push(`<text x="${LEFT + PLOT_W + 32}" y="${yy}">${esc(o.origin.id)}</text>`);
    });
    axisX(out, x, minutes, TOP2 + H2);
    markEvents(out, scenario, x, TOP2, TOP2 + H2, false);
  }
  out.push(`</svg>`);
  return out.join("\n") + "\n";
}

function bucketMinutes(results: readonly PolicyResult[]): number {
  const b = results[0]?.buckets;
  return b && b.length > 1 ? (b[1]!.t - b[0]!.t) / 60_000 : 1;
}

function bucketLabel(results: readonly PolicyResult[]): string {
  const m = bucketMinutes(results);
  return m === 1 ? "minute" : `${m} minutes`;
}

function axisX(out: string[], x: (ms: number) => number, minutes: number, yAxis: number): void {
  out.push(`<line x1="${LEFT}" x2="${LEFT + PLOT_W}" y1="${yAxis}" y2="${yAxis}" stroke="#333"/>`);
  const every = minutes <= 30 ? 5 : minutes <= 120 ? 10 : 30;
  for (let m = 0; m <= minutes; m += every) {
    out.push(`<line x1="${f(x(m * 60_000))}" x2="${f(x(m * 60_000))}" y1="${yAxis}" y2="${yAxis + 4}" stroke="#333"/>`);
    out.push(`<text x="${f(x(m * 60_000))}" y="${yAxis + 17}" text-anchor="middle" fill="#555">${m} min</text>`);
  }
}

function markEvents(out: string[], s: Scenario, x: (ms: number) => number, top: number, bottom: number, labels = true): void {
  const events: [number, string][] = s.phases.filter((p) => p.from > 0).map((p) => [p.from, p.name]);
  events.forEach(([t, label], i) => {
    out.push(`<line x1="${f(x(t))}" x2="${f(x(t))}" y1="${top}" y2="${bottom}" stroke="#444" stroke-dasharray="4 3"/>`);
    if (labels) out.push(`<text x="${f(x(t) + 3)}" y="${bottom - 8 - (i % 2) * 13}" fill="#333" font-size="11">${esc(label)}</text>`);
  });
}
