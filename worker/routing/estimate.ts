// Expected latency and price of sending one request to one origin.
import { own } from "../own";
import type { CircuitState } from "../health/breaker";
import type { OriginSummary } from "../stats/origin-stats";
import type { Candidate } from "./candidates";

/** What the request will cost the origin, as far as the router can tell before sending it. */
export interface Workload {
  inputTokens: number;
  outputTokens: number;
  stream: boolean;
}

export interface Estimate {
  ttftMs: number;
  tpotMs: number;
  /** TTFT + output tokens x TPOT, inflated by load and by the chance of having to retry. */
  latencyMs: number;
  /** USD for this request at the origin's prices. */
  priceUsd: number;
  /** USD per 1M tokens, blended over this request's input and output. */
  pricePerM: number;
  source: "prior" | "measured" | "blend";
  /** Measured samples behind the estimate. */
  samples: number;
  circuit: CircuitState;
  inFlight: number;
  /** The origin's p95 for this model (TTFT when streaming, total otherwise), once known. */
  p95Ms: number | null;
}

/** Samples before measurements fully replace the distance prior. */
export const MIN_SAMPLES = 5;
/** Until measured: a fixed prefill guess plus the network round trip. */
const PRIOR_BASE_TTFT_MS = 150;
/** Until measured, and no peer measured either (about an 8B model on one GPU). */
export const PRIOR_TPOT_MS = 20;
/** Light in fibre covers ~200 km/ms; real routes are ~1.5x longer than great circles. */
const KM_PER_RTT_MS = 66;
/** Continuous batching: per-token time grows slowly until about this many sequences. */
const LOAD_KNEE = 32;

/** Round trip to an origin this far away. */
export function rttMs(distanceKm: number): number {
  return distanceKm / KM_PER_RTT_MS;
}

/**
 * Time to first token before any measurement: what measured peers spend
 * beyond their own round trip (`peerBaseMs`), or a fixed guess, plus this
 * origin's round trip.
 */
export function priorTtftMs(distanceKm: number, peerBaseMs = PRIOR_BASE_TTFT_MS): number {
  return peerBaseMs + rttMs(distanceKm);
}

/** What the region has measured of an origin's peers, for the priors of those it has not. */
export interface Peers {
  /** Median TTFT beyond the round trip. */
  baseTtftMs: number;
  /** Median time per output token. */
  tpotMs: number;
}

export const NO_PEERS: Peers = { baseTtftMs: PRIOR_BASE_TTFT_MS, tpotMs: PRIOR_TPOT_MS };

/**
 * An unmeasured origin is assumed to work like its measured peers (`peers`),
 * not like a fixed guess, so measured and unmeasured origins compare fairly.
 */
export function estimate(candidate: Candidate, stats: OriginSummary | undefined, work: Workload, localInFlight: number, peers: Peers = NO_PEERS): Estimate {
  // Only this model's own numbers: another model on the same origin may be far bigger or smaller.
  const model = own(stats?.models, candidate.upstreamModel);
  const prior = priorTtftMs(candidate.distanceKm, peers.baseTtftMs);
  const samples = model?.samples ?? 0;
  const w = Math.min(1, samples / MIN_SAMPLES);
  const ttftMs = model?.ttftMs != null ? w * model.ttftMs + (1 - w) * prior : prior;
  const tpotMs = model?.tpotMs ?? peers.tpotMs;

  const inFlight = (stats?.inFlight ?? 0) + localInFlight;
  const load = 1 + inFlight / LOAD_KNEE;
  const retry = 1 / (1 - Math.min(stats?.errorRate ?? 0, 0.9));
  const latencyMs = (ttftMs + work.outputTokens * tpotMs) * load * retry;

  const { input_per_m, output_per_m } = candidate.origin.price;
  const tokens = Math.max(1, work.inputTokens + work.outputTokens);
  const priceUsd = (work.inputTokens * input_per_m + work.outputTokens * output_per_m) / 1e6;

  return {
    ttftMs,
    tpotMs,
    latencyMs,
    priceUsd,
    pricePerM: (priceUsd * 1e6) / tokens,
    source: w === 0 ? "prior" : w === 1 ? "measured" : "blend",
    samples,
    circuit: stats?.circuit ?? "closed",
    inFlight,
    p95Ms: samples >= MIN_SAMPLES ? ((work.stream ? model?.ttftP95 : model?.totalP95) ?? null) : null,
  };
}
