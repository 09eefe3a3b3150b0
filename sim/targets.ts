// Issue 15's routing targets, checked on one run's summary: which phases are
// calm, which have a failing origin, which a load surge (from the scenario's
// events), and for each the limits the default must keep against
// nearest-by-distance and today's routing (latency-only). Used on the shipped
// runs and on held-out ones (sim/held-out.ts) alike.
import type { Scenario } from "./scenario";
import { LOWER_BOUND } from "./lower-bound";
import type { KindSummary, SimSummary } from "./summary-json";

export type PhaseClass = "calm" | "failure" | "surge";

export interface TargetCheck {
  /** What is checked, e.g. "calm: stream TTFT p50 vs nearest". */
  target: string;
  phase: string;
  measured: number | null;
  /** The limit `measured` must not exceed, or (when `atLeast`) reach. */
  limit: number;
  atLeast?: boolean;
  met: boolean;
}

/**
 * Each phase's class by the state at its start: `failure` while an origin is
 * slowed (factor > 1), black-holed or refusing and not yet recovered;
 * otherwise `surge` while a load surge runs; otherwise `calm`.
 */
export function classifyPhases(s: Scenario): PhaseClass[] {
  return s.phases.map((phase) => {
    const degraded = new Set<string>();
    for (const e of s.events) {
      if (e.at > phase.from) break;
      if (e.kind === "recover" || (e.kind === "slowdown" && e.factor <= 1)) degraded.delete(e.origin);
      else degraded.add(e.origin);
    }
    if (degraded.size > 0) return "failure";
    return s.load.surges.some((g) => g.from <= phase.from && phase.from < g.to) ? "surge" : "calm";
  });
}

/** The share of requests opening with a shared prefix from which a scenario counts as a shared-prefix workload. */
export const SHARED_PREFIX_WORKLOAD = 0.5;

const ratio = (a: number | null, b: number | null): number | null => (a === null || b === null || b <= 0 ? null : a / b);
const lte = (target: string, phase: string, measured: number | null, limit: number): TargetCheck => ({ target, phase, measured, limit, met: measured !== null && measured <= limit });

/** Cost per 1M tokens over the mix, weighting each kind by its requests (what a tenant's traffic pays). */
export function mixCost(p: { streamed: KindSummary; nonStreamed: KindSummary }): number {
  const n = p.streamed.requests + p.nonStreamed.requests;
  return n === 0 ? 0 : (p.streamed.costPerMTokensUsd * p.streamed.requests + p.nonStreamed.costPerMTokensUsd * p.nonStreamed.requests) / n;
}

/**
 * Every target that applies to this run. The summary must hold the policies
 * `meridian`, `nearest` and `latency-only`; the cost policy's check runs when
 * it holds `meridian-cost` too.
 */
export function checkTargets(s: Scenario, summary: SimSummary): TargetCheck[] {
  const policy = (name: string) => summary.policies.find((p) => p.policy === name);
  const meridian = policy("meridian");
  const nearest = policy("nearest");
  const latencyOnly = policy("latency-only");
  if (!meridian || !nearest || !latencyOnly) throw new Error("the summary lacks meridian, nearest or latency-only");
  const classes = classifyPhases(s);
  const checks: TargetCheck[] = [];

  meridian.phases.forEach((m, i) => {
    const n = nearest.phases[i]!;
    const kind = classes[i]!;
    if (m.streamed.requests + m.nonStreamed.requests === 0) return;
    // A surge without a failing origin is held to the calm limits (nearest is not hurt when the
    // surge fits the region's capacity, e.g. at night there) and must lose no request.
    if (kind === "calm" || kind === "surge") {
      if (kind === "surge") checks.push(lte("surge: errors", m.name, m.streamed.errors + m.nonStreamed.errors, 0));
      checks.push(lte(`${kind}: stream TTFT p50 vs nearest`, m.name, ratio(m.streamed.ttftMs.p50, n.streamed.ttftMs.p50), 1.1));
      checks.push(lte(`${kind}: stream TTFT p99 vs nearest`, m.name, ratio(m.streamed.ttftMs.p99, n.streamed.ttftMs.p99), 1.25));
      checks.push(lte(`${kind}: streams under the tokens/s floor`, m.name, m.streamed.underTokensPerSFloor, 0));
      checks.push(lte(`${kind}: non-stream last token p50 vs nearest`, m.name, ratio(m.nonStreamed.timeToLastTokenMs.p50, n.nonStreamed.timeToLastTokenMs.p50), 0.8));
      checks.push(lte(`${kind}: non-stream last token p99 vs nearest`, m.name, ratio(m.nonStreamed.timeToLastTokenMs.p99, n.nonStreamed.timeToLastTokenMs.p99), 0.8));
    } else {
      // A failing origin: each kind's own objective at p99, and no request lost.
      checks.push(lte("failure: stream TTFT p99 vs nearest", m.name, ratio(m.streamed.ttftMs.p99, n.streamed.ttftMs.p99), 0.8));
      checks.push(lte("failure: non-stream last token p99 vs nearest", m.name, ratio(m.nonStreamed.timeToLastTokenMs.p99, n.nonStreamed.timeToLastTokenMs.p99), 0.8));
      checks.push(lte("failure: errors", m.name, m.streamed.errors + m.nonStreamed.errors, 0));
    }
  });

  // A shared-prefix workload: most requests open with one of a population of long prefixes.
  if (s.load.prefixes && s.load.prefixes.share >= SHARED_PREFIX_WORKLOAD) {
    const m = meridian.overall.streamed.ttftMs.p90;
    checks.push(lte("shared prefixes: stream TTFT p90 vs nearest", "whole run", ratio(m, nearest.overall.streamed.ttftMs.p90), 0.5));
    checks.push(lte("shared prefixes: stream TTFT p90 vs latency-only", "whole run", ratio(m, latencyOnly.overall.streamed.ttftMs.p90), 0.5));
  }

  checks.push(lte("cost per 1M tokens vs latency-only (mix)", "whole run", ratio(mixCost(meridian.overall), mixCost(latencyOnly.overall)), 1));
  const cost = policy("meridian-cost");
  if (cost) {
    const errors = (p: typeof cost) => p.overall.streamed.errors + p.overall.nonStreamed.errors;
    const others = summary.policies.filter((p) => p.policy !== LOWER_BOUND && p !== cost && errors(p) === 0);
    const cheapest = Math.min(...others.map((p) => mixCost(p.overall)));
    checks.push(lte("cost policy: errors", "whole run", errors(cost), 0));
    checks.push(lte("cost policy vs the cheapest other error-free policy (mix)", "whole run", others.length ? ratio(mixCost(cost.overall), cheapest) : null, 1));
  }
  return checks;
}
