// Plain-text tables of the results, as printed and as copied into docs/simulation.md.
import { DEFAULT_MIN_TOKENS_PER_S } from "../worker/routing/policy";
import type { KindStats, PolicyResult } from "./metrics";
import type { Scenario } from "./scenario";

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
const count = (n: number) => n.toLocaleString("en-US");

/** One row per policy for one request kind, after warm-up. */
export function kindTable(results: readonly PolicyResult[], kind: "streamed" | "nonStreamed"): string {
  return table(
    ["policy", "requests", "TTFT p50", "p90", "p99", "last token p50", "p90", "p99", "errors", "cut", "USD / 1M tok", "cache hit", ...(kind === "streamed" ? [`under ${DEFAULT_MIN_TOKENS_PER_S} tok/s`] : [])],
    results.map((r) => {
      const k: KindStats = r.overall[kind];
      return [
        r.policy,
        count(k.requests),
        ms(k.ttft.p50),
        ms(k.ttft.p90),
        ms(k.ttft.p99),
        ms(k.ttlt.p50),
        ms(k.ttlt.p90),
        ms(k.ttlt.p99),
        pct(k.errors / Math.max(1, k.requests), 2),
        String(k.cut),
        k.costPerM.toFixed(3),
        pct(k.prefixHitRate),
        ...(kind === "streamed" ? [pct(k.underFloor, 2)] : []),
      ];
    }),
  );
}

/** Per phase: streams by TTFT, non-streamed requests by time to the last token (each kind's own objective). */
export function phaseTable(results: readonly PolicyResult[], kind: "streamed" | "nonStreamed"): string {
  const phases = results[0]?.phases ?? [];
  const metric = kind === "streamed" ? "ttft" : "ttlt";
  return table(
    ["policy", ...phases.map((p) => `${p.name} (${Math.round(p.from / 60_000)}-${Math.round(p.to / 60_000)} min)`)],
    results.map((r) => [
      r.policy,
      ...r.phases.map((p) => {
        const k = p.kinds[kind];
        return `${ms(k[metric].p50)} / ${ms(k[metric].p99)} (${pct(k.errors / Math.max(1, k.requests))})`;
      }),
    ]),
  );
}

export function shareTable(results: readonly PolicyResult[], scenario: Scenario): string {
  const rows: string[][] = [];
  for (const r of results) {
    r.phases.forEach((p, i) => rows.push([i === 0 ? r.policy : "", p.name, ...p.share.map((s) => (s === 0 ? "·" : (s * 100).toFixed(0)))]));
  }
  return table(["policy", "phase", ...scenario.origins.map((o) => o.origin.id)], rows, ["l", "l"]);
}

export function utilisationTable(results: readonly PolicyResult[], scenario: Scenario): string {
  return table(
    ["policy", ...scenario.phases.map((p) => `${p.name}: mean (max)`)],
    results.map((r) => [
      r.policy,
      ...r.phases.map((p) => {
        const u = p.utilisation;
        const mean = u.reduce((a, b) => a + b, 0) / Math.max(1, u.length);
        const max = Math.max(...u);
        const at = scenario.origins[u.indexOf(max)]?.origin.id ?? "?";
        return `${pct(mean, 0)} (${pct(max, 0)} ${at})`;
      }),
    ]),
  );
}

/** The engines' queues: mean prompts waiting, mean over origins (longest, at which origin). */
export function queueTable(results: readonly PolicyResult[], scenario: Scenario): string {
  return table(
    ["policy", ...scenario.phases.map((p) => `${p.name}: mean (longest)`)],
    results.map((r) => [
      r.policy,
      ...r.phases.map((p) => {
        const q = p.queue;
        const mean = q.reduce((a, b) => a + b, 0) / Math.max(1, q.length);
        const max = Math.max(...q);
        return `${mean.toFixed(1)} (${max.toFixed(1)} ${scenario.origins[q.indexOf(max)]?.origin.id ?? "?"})`;
      }),
    ]),
  );
}

/** Everything printed after a run (`withBound`: the lower bound's row, not part of the share and utilisation tables). */
export function fullReport(results: readonly PolicyResult[], scenario: Scenario, bound?: PolicyResult): string {
  const rows = bound ? [...results, bound] : results;
  const streamed = results[0]?.overall.streamed.requests ?? 0;
  const nonStreamed = results[0]?.overall.nonStreamed.requests ?? 0;
  const out = [
    "TTFT = first token back at the PoP (non-streamed: when it would have been, had it streamed); last token = the whole answer;",
    "errors = no first token (non-streamed: no answer) after every attempt; cut = streams broken after their first token;",
    "cache hit = prompt tokens the serving engine had cached. Times in ms, after warm-up.",
    "",
  ];
  if (streamed > 0) out.push(`Streamed requests (${count(streamed)}):`, "", kindTable(rows, "streamed"), "");
  if (nonStreamed > 0) out.push(`Non-streamed requests (${count(nonStreamed)}):`, "", kindTable(rows, "nonStreamed"), "");
  if (streamed > 0) out.push("Streams by phase — TTFT p50 / p99 (error rate):", "", phaseTable(rows, "streamed"), "");
  if (nonStreamed > 0) out.push("Non-streamed by phase — time to the last token p50 / p99 (error rate):", "", phaseTable(rows, "nonStreamed"), "");
  out.push(
    "Share of requests served by each origin, % by phase:",
    "",
    shareTable(results, scenario),
    "",
    "Origin utilisation (decode-batch occupancy: running sequences / max batch), mean over origins (busiest):",
    "",
    utilisationTable(results, scenario),
    "",
    "Engine queues (prompts waiting, time-averaged over the phase), mean over origins (longest):",
    "",
    queueTable(results, scenario),
  );
  return out.join("\n");
}

/** Meridian over a reference policy, per kind's own objective: below 1 is Meridian better. */
export function ratioTable(results: readonly PolicyResult[], policy = "meridian", against: readonly string[] = ["nearest", "latency-only"]): string {
  const m = results.find((r) => r.policy === policy);
  if (!m) return "";
  const ratio = (a: number, b: number) => (Number.isFinite(a) && Number.isFinite(b) && b > 0 ? `${(a / b).toFixed(2)}x` : "–");
  const rows: string[][] = [];
  for (const name of against) {
    const r = results.find((x) => x.policy === name);
    if (!r) continue;
    const phases: [string, (p: PolicyResult) => PolicyResult["overall"] | PolicyResult["phases"][number]["kinds"]][] = [
      ["after warm-up", (p) => p.overall],
      ...m.phases.map((ph, i): [string, (p: PolicyResult) => PolicyResult["phases"][number]["kinds"]] => [ph.name, (p) => p.phases[i]!.kinds]),
    ];
    for (const [label, of] of phases) {
      const a = of(m);
      const b = of(r);
      rows.push([
        `vs ${name}`,
        label,
        ratio(a.streamed.ttft.p50, b.streamed.ttft.p50),
        ratio(a.streamed.ttft.p90, b.streamed.ttft.p90),
        ratio(a.streamed.ttft.p99, b.streamed.ttft.p99),
        ratio(a.nonStreamed.ttlt.p50, b.nonStreamed.ttlt.p50),
        ratio(a.nonStreamed.ttlt.p99, b.nonStreamed.ttlt.p99),
      ]);
    }
  }
  return table(["Meridian", "phase", "stream TTFT p50", "p90", "p99", "non-stream last token p50", "p99"], rows, ["l", "l"]);
}
