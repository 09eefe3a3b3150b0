// Plain-text tables of the results, as printed and as copied into docs/simulation.md.
import type { PolicyResult } from "./metrics";
import { PHASES } from "./scenario";
import { ORIGINS } from "./world";

type Align = "l" | "r";

export function table(headers: readonly string[], rows: readonly (readonly string[])[], align?: readonly Align[]): string {
  const widths = headers.map((h, c) => Math.max(h.length, ...rows.map((r) => (r[c] ?? "").length)));
  const pad = (s: string, c: number) => ((align?.[c] ?? (c === 0 ? "l" : "r")) === "l" ? s.padEnd(widths[c]!) : s.padStart(widths[c]!));
  const line = (cells: readonly string[]) => "| " + cells.map((s, c) => pad(s, c)).join(" | ") + " |";
  const rule = "|" + widths.map((w, c) => ((align?.[c] ?? (c === 0 ? "l" : "r")) === "l" ? ":" + "-".repeat(w + 1) : "-".repeat(w + 1) + ":")).join("|") + "|";
  return [line(headers), rule, ...rows.map(line)].join("\n");
}

const ms = (n: number) => (Number.isFinite(n) ? Math.round(n).toLocaleString("en-US") : "–");
const pct = (n: number, digits = 1) => (Number.isFinite(n) ? `${(n * 100).toFixed(digits)}%` : "–");

export function summaryTable(results: readonly PolicyResult[]): string {
  return table(
    ["policy", "requests", "TTFT p50", "TTFT p95", "TTFT p99", "errors", "cut", "USD / 1M tok", "E2E p50", "E2E p99", "hedged", "attempts/req"],
    results.map((r) => {
      const o = r.overall;
      return [
        r.policy,
        o.requests.toLocaleString("en-US"),
        ms(o.p50),
        ms(o.p95),
        ms(o.p99),
        pct(o.failed / o.requests, 2),
        String(o.cut),
        o.costPerM.toFixed(3),
        ms(o.e2eP50),
        ms(o.e2eP99),
        pct(o.hedged / o.requests),
        o.meanAttempts.toFixed(3),
      ];
    }),
  );
}

export function phaseTable(results: readonly PolicyResult[]): string {
  const phases = results[0]?.phases.map((p) => p.name) ?? [...PHASES];
  return table(
    ["policy", ...phases.map((p) => `${p}: p50 / p99 (errors)`)],
    results.map((r) => [r.policy, ...r.phases.map((p) => `${ms(p.p50)} / ${ms(p.p99)} (${pct(p.failed / Math.max(1, p.requests))})`)]),
  );
}

export function shareTable(results: readonly PolicyResult[]): string {
  const rows: string[][] = [];
  for (const r of results) {
    r.phases.forEach((p, i) => rows.push([i === 0 ? r.policy : "", PHASES[i] ?? p.name, ...p.share.map((s) => (s === 0 ? "·" : (s * 100).toFixed(0)))]));
  }
  return table(["policy", "phase", ...ORIGINS.map((o) => o.origin.id)], rows, ["l", "l"]);
}

export function utilisationTable(results: readonly PolicyResult[]): string {
  return table(
    ["policy", ...PHASES.map((p) => `${p}: mean (max)`)],
    results.map((r) => [
      r.policy,
      ...r.phases.map((p) => {
        const u = p.utilisation;
        const mean = u.reduce((a, b) => a + b, 0) / Math.max(1, u.length);
        const max = Math.max(...u);
        const at = ORIGINS[u.indexOf(max)]?.origin.id ?? "?";
        return `${pct(mean, 0)} (${pct(max, 0)} ${at})`;
      }),
    ]),
  );
}

/** Everything printed after a run. */
export function fullReport(results: readonly PolicyResult[]): string {
  return [
    "TTFT in ms over requests that got a first token; errors = requests with no first token after all attempts;",
    "cut = streams broken by the outage after their first token; E2E = time to the last token.",
    "",
    summaryTable(results),
    "",
    "By phase — TTFT p50 / p99 in ms (error rate):",
    "",
    phaseTable(results),
    "",
    "Share of requests served by each origin, % by phase:",
    "",
    shareTable(results),
    "",
    "Origin utilisation (decode-batch occupancy: running sequences / max batch), mean over origins (busiest):",
    "",
    utilisationTable(results),
  ].join("\n");
}
