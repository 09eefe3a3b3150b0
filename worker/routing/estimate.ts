// Expected time and price of sending one request to one origin.
import { own } from "../own";
import type { CircuitState } from "../health/breaker";
import type { EngineLoad } from "../stats/engine-load";
import type { ModelSummary, OriginSummary } from "../stats/origin-stats";
import type { Candidate } from "./candidates";

/** What the request will cost the origin, as far as the router can tell before sending it. */
export interface Workload {
  inputTokens: number;
  /** The request's output cap, or the routing default (workload.ts) when it sets none. */
  outputTokens: number;
  stream: boolean;
  /** Whether `outputTokens` is the request's own cap (false: a guess). */
  capped?: boolean;
  /** Requests with the same key share a prompt prefix an engine may have cached (affinity.ts). */
  prefixKey?: string | null;
  /** About how many leading tokens that shared prefix holds. */
  prefixTokens?: number;
}

export interface Estimate {
  /** Expected time to first token: the origin's own time, the round trip, and queueing when its engine's load is known. */
  ttftMs: number;
  tpotMs: number;
  /** Time to the first token, inflated by load and by the chance of having to retry (the `ttft` objective). */
  firstTokenMs: number;
  /** Time to the last token (TTFT + output tokens x TPOT), inflated by load and retries. */
  latencyMs: number;
  /** Expected queueing in the engine, from its own queue (0 when its load is unknown: in-flight inflation stands in). */
  queueMs: number;
  /** What the origin spends on a request beyond the round trip and any queue (prefill and scheduling). */
  serviceMs: number;
  /** Expected output speed under the current load. */
  tokensPerS: number;
  /** USD for this request at the origin's prices. */
  priceUsd: number;
  /** USD per 1M tokens, blended over this request's input and output. */
  pricePerM: number;
  source: "prior" | "measured" | "blend";
  /** Measured samples behind the estimate. */
  samples: number;
  circuit: CircuitState;
  inFlight: number;
  /**
   * Requests at the origin as every isolate reading the same snapshot sees
   * them: the engine's queue and batch when known, else the region's in-flight
   * estimate (never this isolate's own count: affinity must agree everywhere).
   */
  sharedLoad: number;
  /** The engine's load reading behind `queueMs`, when fresh and sane. */
  load: EngineLoad | null;
  /** The origin's p95 for this model (TTFT when streaming, total otherwise), once known. */
  p95Ms: number | null;
  /** Measured TTFT percentiles (plus any queue), once known: soft TTFT cutoffs are judged on them. */
  ttftP95Ms: number | null;
  ttftP99Ms: number | null;
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
/** An engine reading older than this (against the snapshot's time) is not used. */
export const LOAD_MAX_AGE_MS = 10_000;
/** KV-cache use from which a new sequence waits for a running one to finish (vLLM preempts past this). */
export const KV_FULL = 0.95;
/** The least time an engine spends on a request, whatever the measurements say. */
const MIN_SERVICE_MS = 5;
/** The output length assumed for the sequences an engine is running. */
const RUNNING_OUTPUT_TOKENS = 256;

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

/** How the estimate may use the engine's own load. */
export interface LoadView {
  /** False: today's in-flight approximation only (the `latency-only` router). */
  engineLoad: boolean;
  /** The snapshot's time: engine readings are judged fresh against it, so every isolate judges alike. */
  at: number;
}

export const NO_LOAD: LoadView = { engineLoad: false, at: 0 };

/** The engine reading if it is fresh and every number in it is sane; else null. */
export function freshLoad(load: EngineLoad | undefined, at: number): EngineLoad | null {
  if (!load) return null;
  const { waiting, running, at: readAt } = load;
  if (!(waiting >= 0 && running >= 0 && waiting < 1e7 && running < 1e7)) return null; // NaN fails every comparison
  if (!(at - readAt <= LOAD_MAX_AGE_MS && readAt - at <= LOAD_MAX_AGE_MS)) return null;
  return load;
}

/**
 * An unmeasured origin is assumed to work like its measured peers (`peers`),
 * not like a fixed guess, so measured and unmeasured origins compare fairly.
 *
 * With a fresh engine reading, queueing comes from the engine's own queue
 * (every region's requests, not just this one's in-flight estimate):
 *   queue = waiting x service time (FCFS prefill ahead of this request),
 *   or, with the KV cache full, the wait for running sequences to finish.
 * The passive TTFT was measured under load too, so counting both would count
 * a queue twice: the peak-EWMA (which takes a slow sample at once) gives way to
 * the lower of it and the TTFT median as the origin's own time, and the
 * in-flight inflation is dropped. docs/routing.md says what remains.
 */
export function estimate(
  candidate: Candidate,
  stats: OriginSummary | undefined,
  work: Workload,
  localInFlight: number,
  peers: Peers = NO_PEERS,
  view: LoadView = NO_LOAD,
): Estimate {
  // Only this model's own numbers: another model on the same origin may be far bigger or smaller.
  const base = estimateBase(candidate, stats, own(stats?.models, candidate.upstreamModel), peers, view);
  return estimateFrom(blankEstimate(), base, candidate, work, localInFlight);
}

/** An estimate to be filled by `estimateFrom` (every field present, so all estimates share one shape). */
export function blankEstimate(): Estimate {
  return {
    ttftMs: 0,
    tpotMs: 0,
    firstTokenMs: 0,
    latencyMs: 0,
    queueMs: 0,
    serviceMs: 0,
    tokensPerS: 0,
    priceUsd: 0,
    pricePerM: 0,
    source: "prior",
    samples: 0,
    circuit: "closed",
    inFlight: 0,
    sharedLoad: 0,
    load: null,
    p95Ms: null,
    ttftP95Ms: null,
    ttftP99Ms: null,
  };
}

/** A copy of `e` that owns its fields (plan() fills reused scratch estimates and hands out copies). */
export function copyEstimate(e: Estimate): Estimate {
  return {
    ttftMs: e.ttftMs,
    tpotMs: e.tpotMs,
    firstTokenMs: e.firstTokenMs,
    latencyMs: e.latencyMs,
    queueMs: e.queueMs,
    serviceMs: e.serviceMs,
    tokensPerS: e.tokensPerS,
    priceUsd: e.priceUsd,
    pricePerM: e.pricePerM,
    source: e.source,
    samples: e.samples,
    circuit: e.circuit,
    inFlight: e.inFlight,
    sharedLoad: e.sharedLoad,
    load: e.load,
    p95Ms: e.p95Ms,
    ttftP95Ms: e.ttftP95Ms,
    ttftP99Ms: e.ttftP99Ms,
  };
}

/**
 * What an estimate takes from the snapshot alone: the same for every request
 * until the snapshot changes, so plan() keeps one per candidate and snapshot.
 */
export interface EstimateBase {
  rttMs: number;
  /** TTFT before any queue (measured, blended or prior; with a fresh reading, service + RTT). */
  ttftMs: number;
  tpotMs: number;
  serviceMs: number;
  retry: number;
  regionInFlight: number;
  /** The fresh, sane engine reading, if any (the view allowed it). */
  load: EngineLoad | null;
  samples: number;
  source: Estimate["source"];
  circuit: CircuitState;
  /** Measured percentiles once trusted, else NaN (numbers only: no boxing per request). */
  ttftP95: number;
  ttftP99: number;
  totalP95: number;
}

/** `measuredRttMs`: the round trip the region's measurements of this origin hold (from the region's centre); unknown: this PoP's. */
export function estimateBase(candidate: Candidate, stats: OriginSummary | undefined, model: ModelSummary | undefined, peers: Peers, view: LoadView, measuredRttMs?: number): EstimateBase {
  const rtt = rttMs(candidate.distanceKm);
  const prior = peers.baseTtftMs + rtt;
  const samples = model?.samples ?? 0;
  const w = Math.min(1, samples / MIN_SAMPLES);
  const trusted = samples >= MIN_SAMPLES;
  // Measured TTFTs are the region's, over its PoPs' trips: this PoP's trip replaces the region's.
  const shift = measuredRttMs !== undefined ? rtt - measuredRttMs : 0;
  let ttftMs = model?.ttftMs != null ? w * (model.ttftMs + shift) + (1 - w) * prior : prior;
  const load = view.engineLoad ? freshLoad(stats?.load, view.at) : null;
  let serviceMs: number;
  if (load) {
    const p50 = trusted && model?.ttftP50 != null ? model.ttftP50 + shift : null;
    serviceMs = Math.max(MIN_SERVICE_MS, (p50 != null && p50 < ttftMs ? p50 : ttftMs) - rtt);
    ttftMs = serviceMs + rtt;
  } else serviceMs = Math.max(MIN_SERVICE_MS, ttftMs - rtt);
  return {
    rttMs: rtt,
    ttftMs,
    tpotMs: model?.tpotMs ?? peers.tpotMs,
    serviceMs,
    retry: 1 / (1 - Math.min(finite(stats?.errorRate) ?? 0, 0.9)),
    regionInFlight: finite(stats?.inFlight) ?? 0,
    load,
    samples,
    source: w === 0 ? "prior" : w === 1 ? "measured" : "blend",
    circuit: stats?.circuit ?? "closed",
    ttftP95: trusted ? (model?.ttftP95 ?? NaN) : NaN,
    ttftP99: trusted ? (model?.ttftP99 ?? NaN) : NaN,
    totalP95: trusted ? (model?.totalP95 ?? NaN) : NaN,
  };
}

/** The per-request part, into `out` (no allocation: plan() reuses its scratch estimates): this request's tokens and this isolate's own requests in flight. */
export function estimateFrom(out: Estimate, base: EstimateBase, candidate: Candidate, work: Workload, localInFlight: number): Estimate {
  const tpotMs = base.tpotMs;
  const load = base.load;
  let ttftMs = base.ttftMs;
  let queueMs = 0;
  let slowdown = 1;
  if (load) {
    // This isolate's own requests queue too, but only where the engine is already queueing.
    const ahead = load.waiting > 0 ? load.waiting + localInFlight : 0;
    queueMs = ahead * base.serviceMs;
    if (load.kvUsage >= KV_FULL) queueMs = Math.max(queueMs, ((ahead + 1) * RUNNING_OUTPUT_TOKENS * tpotMs) / (load.running + 1));
    ttftMs += queueMs;
  } else slowdown = 1 + (base.regionInFlight + localInFlight) / LOAD_KNEE;
  const retry = base.retry;
  const price = candidate.origin.price;
  const tokens = Math.max(1, work.inputTokens + work.outputTokens);
  const priceUsd = (work.inputTokens * price.input_per_m + work.outputTokens * price.output_per_m) / 1e6;

  out.ttftMs = ttftMs;
  out.tpotMs = tpotMs;
  out.firstTokenMs = ttftMs * slowdown * retry;
  out.latencyMs = (ttftMs + work.outputTokens * tpotMs) * slowdown * retry;
  out.queueMs = queueMs;
  out.serviceMs = base.serviceMs;
  out.tokensPerS = 1000 / (tpotMs * slowdown);
  out.priceUsd = priceUsd;
  out.pricePerM = (priceUsd * 1e6) / tokens;
  out.source = base.source;
  out.samples = base.samples;
  out.circuit = base.circuit;
  out.inFlight = base.regionInFlight + localInFlight;
  out.sharedLoad = load ? load.waiting + load.running : base.regionInFlight;
  out.load = load;
  const p95 = work.stream ? base.ttftP95 : base.totalP95;
  out.p95Ms = p95 === p95 ? p95 : null;
  out.ttftP95Ms = base.ttftP95 === base.ttftP95 ? base.ttftP95 + queueMs : null;
  out.ttftP99Ms = base.ttftP99 === base.ttftP99 ? base.ttftP99 + queueMs : null;
  return out;
}

/** A number from a snapshot, or undefined when it is missing or not a sane non-negative number. */
function finite(n: number | undefined): number | undefined {
  return n !== undefined && n >= 0 && n < 1e12 ? n : undefined;
}
