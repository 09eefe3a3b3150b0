// Per-request outcomes of one run, and the numbers the report prints: per
// policy, phase and request kind (streamed or not).
import { DEFAULT_MIN_TOKENS_PER_S } from "../worker/routing/policy";
import type { Request } from "./load";
import { phaseBounds, phaseOf, type Scenario } from "./scenario";

export const enum Status {
  Pending = 0,
  Ok = 1,
  /** No attempt delivered a first token (non-streamed: an answer). */
  Failed = 2,
  /** First token delivered, then the origin died mid-stream. */
  Cut = 3,
}

export class Recorder {
  readonly ttft: Float64Array;
  /** Time to the last token (complete answers only). */
  readonly e2e: Float64Array;
  readonly origin: Int16Array;
  readonly status: Uint8Array;
  readonly attempts: Uint8Array;
  readonly hedged: Uint8Array;
  /** Prompt tokens the serving engine had in its prefix cache. */
  readonly cached: Int32Array;

  constructor(n: number) {
    this.ttft = new Float64Array(n).fill(Number.NaN);
    this.e2e = new Float64Array(n).fill(Number.NaN);
    this.origin = new Int16Array(n).fill(-1);
    this.status = new Uint8Array(n);
    this.attempts = new Uint8Array(n);
    this.hedged = new Uint8Array(n);
    this.cached = new Int32Array(n);
  }
}

export interface Quantiles {
  p50: number;
  p90: number;
  p99: number;
}

/** One request kind in one phase (or the whole run after warm-up). */
export interface KindStats {
  requests: number;
  /** No first token (streams) or no answer (non-streamed) after every attempt. */
  errors: number;
  /** Streams broken after their first token. */
  cut: number;
  /** Time to first token at the PoP (non-streamed: when it would have arrived, had it streamed). */
  ttft: Quantiles;
  /** Time to the last token (the whole answer), complete answers only. */
  ttlt: Quantiles;
  /** USD per 1M tokens served (prompt + output) at the serving origin's prices. */
  costPerM: number;
  /** Cached prompt tokens / prompt tokens, over answered requests. */
  prefixHitRate: number;
  /** Share of complete answers of two or more tokens that arrived slower than the default tokens/s floor after their first token. */
  underFloor: number;
}

export const KINDS = ["streamed", "nonStreamed"] as const;
export type Kind = (typeof KINDS)[number];
export type ByKind = Record<Kind, KindStats>;

export interface PhaseResult {
  name: string;
  from: number;
  to: number;
  kinds: ByKind;
  /** Share of answered requests served by each origin (index as in the scenario's origins). */
  share: number[];
  /** Mean batch occupancy per origin over the phase (0..1). */
  utilisation: number[];
  /** Mean prompts waiting in each origin's engine queue over the phase. */
  queue: number[];
}

export interface BucketResult {
  /** Bucket start, virtual ms. */
  t: number;
  count: number;
  /** p99 TTFT of the bucket's streams, or of all requests when it has none. */
  p99: number;
  share: number[];
}

export interface PolicyResult {
  policy: string;
  /** After warm-up. */
  overall: ByKind & { hedged: number; meanAttempts: number };
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

function quantiles(values: number[]): Quantiles {
  const sorted = Float64Array.from(values).sort();
  return { p50: quantile(sorted, 0.5), p90: quantile(sorted, 0.9), p99: quantile(sorted, 0.99) };
}

export interface SummaryInput {
  policy: string;
  requests: readonly Request[];
  rec: Recorder;
  scenario: Scenario;
  bucketMs: number;
  /** USD per request served by origin o. */
  price: (origin: number, req: Request) => number;
  origins: number;
  /** Mean occupancy per phase per origin. */
  utilisation: number[][];
  /** Mean engine queue per phase per origin. */
  queue: number[][];
  run: PolicyResult["run"];
}

/** Statistics of some requests (indices into `requests`). */
export function kindStats(indices: readonly number[], requests: readonly Request[], rec: Recorder, price: SummaryInput["price"]): KindStats {
  const ttft: number[] = [];
  const ttlt: number[] = [];
  let errors = 0;
  let cut = 0;
  let usd = 0;
  let tokens = 0;
  let prompt = 0;
  let cached = 0;
  let paced = 0;
  let slow = 0;
  for (const i of indices) {
    const st = rec.status[i];
    if (st === Status.Failed || st === Status.Pending) {
      errors++;
      continue;
    }
    ttft.push(rec.ttft[i]!);
    const req = requests[i]!;
    prompt += req.promptTokens;
    cached += rec.cached[i]!;
    if (st === Status.Cut) cut++;
    else {
      ttlt.push(rec.e2e[i]!);
      if (req.outputTokens >= 2) {
        paced++;
        // Decode rate after the first token: (tokens after it) / (seconds after it).
        if ((req.outputTokens - 1) * 1000 < DEFAULT_MIN_TOKENS_PER_S * (rec.e2e[i]! - rec.ttft[i]!)) slow++;
      }
      usd += price(rec.origin[i]!, req);
      tokens += req.promptTokens + req.outputTokens;
    }
  }
  return {
    requests: indices.length,
    errors,
    cut,
    ttft: quantiles(ttft),
    ttlt: quantiles(ttlt),
    costPerM: tokens ? (usd / tokens) * 1e6 : 0,
    prefixHitRate: prompt ? cached / prompt : 0,
    underFloor: paced ? slow / paced : 0,
  };
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

function byKind(indices: readonly number[], input: SummaryInput): ByKind {
  const streamed: number[] = [];
  const nonStreamed: number[] = [];
  for (const i of indices) (input.requests[i]!.stream ? streamed : nonStreamed).push(i);
  return {
    streamed: kindStats(streamed, input.requests, input.rec, input.price),
    nonStreamed: kindStats(nonStreamed, input.requests, input.rec, input.price),
  };
}

export function summarize(input: SummaryInput): PolicyResult {
  const { requests, rec, scenario, origins } = input;
  const counted: number[] = [];
  const byPhase: number[][] = scenario.phases.map(() => []);
  const buckets: number[][] = [];
  let hedged = 0;
  let attempts = 0;
  for (const req of requests) {
    const i = req.id;
    (buckets[Math.floor(req.at / input.bucketMs)] ??= []).push(i);
    if (req.at < scenario.warmupMs) continue;
    counted.push(i);
    byPhase[phaseOf(scenario, req.at)]!.push(i);
    hedged += rec.hedged[i]!;
    attempts += rec.attempts[i]!;
  }
  const bounds = phaseBounds(scenario);
  return {
    policy: input.policy,
    overall: { ...byKind(counted, input), hedged, meanAttempts: counted.length ? attempts / counted.length : 0 },
    phases: scenario.phases.map((p, k) => ({
      name: p.name,
      from: bounds[k]!,
      to: bounds[k + 1]!,
      kinds: byKind(byPhase[k]!, input),
      share: shares(byPhase[k]!, rec, origins),
      utilisation: input.utilisation[k]!,
      queue: input.queue[k]!,
    })),
    buckets: buckets.map((ids = [], b) => {
      const streams = ids.filter((i) => requests[i]!.stream);
      const s = kindStats(streams.length ? streams : ids, requests, rec, input.price);
      return { t: b * input.bucketMs, count: ids.length, p99: s.ttft.p99, share: shares(ids, rec, origins) };
    }),
    run: input.run,
  };
}
