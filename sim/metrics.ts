// Per-request outcomes of one run, and the numbers the report prints.
import type { Request } from "./load";
import { PHASES, phaseBounds, phaseOf, type Scenario } from "./scenario";

export const enum Status {
  Pending = 0,
  Ok = 1,
  /** No attempt delivered a first token. */
  Failed = 2,
  /** First token delivered, then the origin died mid-stream. */
  Cut = 3,
}

export class Recorder {
  readonly ttft: Float64Array;
  /** Time to the last token (complete streams only). */
  readonly e2e: Float64Array;
  readonly origin: Int16Array;
  readonly status: Uint8Array;
  readonly attempts: Uint8Array;
  readonly hedged: Uint8Array;

  constructor(n: number) {
    this.ttft = new Float64Array(n).fill(Number.NaN);
    this.e2e = new Float64Array(n).fill(Number.NaN);
    this.origin = new Int16Array(n).fill(-1);
    this.status = new Uint8Array(n);
    this.attempts = new Uint8Array(n);
    this.hedged = new Uint8Array(n);
  }
}

export interface Latency {
  requests: number;
  failed: number;
  p50: number;
  p95: number;
  p99: number;
}

export interface PhaseResult extends Latency {
  name: string;
  /** Share of first tokens served, per origin (index as in ORIGINS). */
  share: number[];
  /** Mean batch occupancy per origin over the phase (0..1). */
  utilisation: number[];
}

export interface BucketResult {
  /** Bucket start, virtual ms. */
  t: number;
  count: number;
  p99: number;
  share: number[];
}

export interface PolicyResult {
  policy: string;
  overall: Latency & { cut: number; hedged: number; meanAttempts: number; costPerM: number; e2eP50: number; e2eP99: number };
  phases: PhaseResult[];
  buckets: BucketResult[];
  run: { wallMs: number; events: number; summaries: number };
}

/** Nearest-rank quantile of an ascending array; NaN when empty. */
export function quantile(sorted: ArrayLike<number>, q: number): number {
  if (sorted.length === 0) return Number.NaN;
  const i = Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1));
  return sorted[i]!;
}

function latency(indices: readonly number[], rec: Recorder): Latency {
  const ok: number[] = [];
  let failed = 0;
  for (const i of indices) {
    if (rec.status[i] === Status.Failed || rec.status[i] === Status.Pending) failed++;
    else ok.push(rec.ttft[i]!);
  }
  const sorted = Float64Array.from(ok).sort();
  return { requests: indices.length, failed, p50: quantile(sorted, 0.5), p95: quantile(sorted, 0.95), p99: quantile(sorted, 0.99) };
}

function shares(indices: readonly number[], rec: Recorder, origins: number): number[] {
  const counts = new Array<number>(origins).fill(0);
  let total = 0;
  for (const i of indices) {
    const o = rec.origin[i]!;
    if (o >= 0) {
      counts[o]!++;
      total++;
    }
  }
  return counts.map((c) => (total > 0 ? c / total : 0));
}

export interface SummaryInput {
  policy: string;
  requests: readonly Request[];
  rec: Recorder;
  scenario: Scenario;
  bucketMs: number;
  /** USD per request served by origin o: (prompt x input + output x output) / 1e6. */
  price: (origin: number, req: Request) => number;
  origins: number;
  /** Mean occupancy per phase per origin. */
  utilisation: number[][];
  run: PolicyResult["run"];
}

export function summarize(input: SummaryInput): PolicyResult {
  const { requests, rec, scenario, origins } = input;
  const counted: number[] = [];
  const byPhase: number[][] = PHASES.map(() => []);
  const buckets: number[][] = [];
  const e2e: number[] = [];
  let usd = 0;
  let tokens = 0;
  let cut = 0;
  let hedged = 0;
  let attempts = 0;
  for (const req of requests) {
    const i = req.id;
    (buckets[Math.floor(req.at / input.bucketMs)] ??= []).push(i);
    if (req.at < scenario.warmupMs) continue;
    counted.push(i);
    byPhase[phaseOf(scenario, req.at)]!.push(i);
    if (rec.status[i] === Status.Cut) cut++;
    hedged += rec.hedged[i]!;
    attempts += rec.attempts[i]!;
    if (rec.status[i] === Status.Ok) {
      e2e.push(rec.e2e[i]!);
      usd += input.price(rec.origin[i]!, req);
      tokens += req.promptTokens + req.outputTokens;
    }
  }
  const bounds = phaseBounds(scenario);
  const e2eSorted = Float64Array.from(e2e).sort();
  return {
    policy: input.policy,
    overall: {
      ...latency(counted, rec),
      cut,
      hedged,
      meanAttempts: counted.length ? attempts / counted.length : 0,
      costPerM: tokens ? (usd / tokens) * 1e6 : 0,
      e2eP50: quantile(e2eSorted, 0.5),
      e2eP99: quantile(e2eSorted, 0.99),
    },
    phases: PHASES.map((name, p) => ({
      name: `${name} (${Math.round(bounds[p]! / 60_000)}-${Math.round(bounds[p + 1]! / 60_000)} min)`,
      ...latency(byPhase[p]!, rec),
      share: shares(byPhase[p]!, rec, origins),
      utilisation: input.utilisation[p]!,
    })),
    buckets: buckets.map((ids, b) => {
      const l = latency(ids ?? [], rec);
      return { t: b * input.bucketMs, count: l.requests, p99: l.p99, share: shares(ids ?? [], rec, origins) };
    }),
    run: input.run,
  };
}
