// Everything one region knows about one origin: latency estimates and
// sketches per model, success/error counts, the circuit and the last probe.
// Pure: time comes in as arguments; state round-trips through JSON for storage.
import { closedBreaker, currentState, DEFAULT_BREAKER, onFailure, onSuccess, type BreakerConfig, type BreakerData, type CircuitState } from "../health/breaker";
import type { ProbeResult } from "../health/probe";
import type { EngineLoad } from "./engine-load";
import { DDSketch, type SketchData } from "./ddsketch";
import { ewma, peakEwma } from "./ewma";
import type { Observation } from "./observation";
import { SlidingCounts, type WindowData } from "./window";

const TTFT_TAU_MS = 10_000;
const TPOT_TAU_MS = 30_000;
const RATE_TAU_MS = 10_000;
/** Sketches forget: every 5 minutes the counts halve, so p99 follows the recent past. */
const SKETCH_HALF_LIFE_MS = 300_000;

/** What the snapshot carries per (origin, model): what scoring and read-outs need. */
export interface ModelSummary {
  samples: number;
  ttftMs: number | null;
  tpotMs: number | null;
  ttftP50: number | null;
  ttftP95: number | null;
  ttftP99: number | null;
  totalP50: number | null;
  totalP95: number | null;
  totalP99: number | null;
}

export interface OriginSummary {
  circuit: CircuitState;
  retryAt: number;
  errorRate: number;
  ok: number;
  err: number;
  /** Little's law over the whole region: arrival rate x mean latency. */
  inFlight: number;
  probe: ProbeResult | null;
  models: Record<string, ModelSummary>;
  /** The engine's own load (worker/stats/engine-load.ts), when the origin publishes metrics. */
  load?: EngineLoad;
}

interface ModelData {
  samples: number;
  ttft: number;
  ttftAt: number;
  tpot: number;
  tpotAt: number;
  total: number;
  totalAt: number;
  ttftSketch: SketchData;
  totalSketch: SketchData;
  decayedAt: number;
}

export interface OriginStatsData {
  models: Record<string, ModelData>;
  window: WindowData;
  breaker: BreakerData;
  /** Exponentially decayed count of arrivals (divide by the time constant for a rate). */
  arrivals: number;
  arrivalsAt: number;
  probe: ProbeResult | null;
}

class ModelStats {
  samples = 0;
  ttft = 0;
  ttftAt = 0;
  tpot = 0;
  tpotAt = 0;
  total = 0;
  totalAt = 0;
  ttftSketch = new DDSketch();
  totalSketch = new DDSketch();
  decayedAt = 0;

  static from(d: ModelData): ModelStats {
    const m = new ModelStats();
    Object.assign(m, d, { ttftSketch: DDSketch.from(d.ttftSketch), totalSketch: DDSketch.from(d.totalSketch) });
    return m;
  }

  toJSON(): ModelData {
    return { ...this, ttftSketch: this.ttftSketch.toJSON(), totalSketch: this.totalSketch.toJSON() };
  }

  observe(obs: Observation, now: number): void {
    if (this.decayedAt > 0 && now > this.decayedAt) {
      const factor = Math.pow(0.5, (now - this.decayedAt) / SKETCH_HALF_LIFE_MS);
      this.ttftSketch.decay(factor);
      this.totalSketch.decay(factor);
    }
    this.decayedAt = now;
    if (obs.ttftMs !== undefined) {
      this.ttft = peakEwma(this.ttft, this.ttftAt, obs.ttftMs, now, TTFT_TAU_MS);
      this.ttftAt = now;
      this.ttftSketch.add(obs.ttftMs);
      this.samples++;
    }
    if (obs.totalMs !== undefined) {
      this.total = ewma(this.total, this.totalAt, obs.totalMs, now, TTFT_TAU_MS);
      this.totalAt = now;
      this.totalSketch.add(obs.totalMs);
      if (obs.ttftMs !== undefined && obs.outputTokens !== undefined && obs.outputTokens > 1) {
        const tpot = Math.max(0, obs.totalMs - obs.ttftMs) / (obs.outputTokens - 1);
        this.tpot = ewma(this.tpot, this.tpotAt, tpot, now, TPOT_TAU_MS);
        this.tpotAt = now;
      }
    }
  }

  summary(): ModelSummary {
    const [ttftP50, ttftP95, ttftP99] = percentiles(this.ttftSketch);
    const [totalP50, totalP95, totalP99] = percentiles(this.totalSketch);
    return {
      samples: this.samples,
      ttftMs: this.ttftAt > 0 ? Math.round(this.ttft * 10) / 10 : null,
      tpotMs: this.tpotAt > 0 ? Math.round(this.tpot * 100) / 100 : null,
      ttftP50,
      ttftP95,
      ttftP99,
      totalP50,
      totalP95,
      totalP99,
    };
  }
}

const PERCENTILES = [0.5, 0.95, 0.99];

type Percentiles = [p50: number | null, p95: number | null, p99: number | null];

/** p50, p95, p99 to 0.1 ms, or nulls for an empty sketch. */
function percentiles(sketch: DDSketch): Percentiles {
  if (sketch.count < 1) return [null, null, null];
  const [p50, p95, p99] = sketch.quantiles(PERCENTILES).map((v) => Math.round(v * 10) / 10);
  return [p50!, p95!, p99!];
}

export class OriginStats {
  private readonly models = new Map<string, ModelStats>();
  private window = new SlidingCounts();
  private breaker: BreakerData;
  private arrivals = 0;
  private arrivalsAt = 0;
  private probe: ProbeResult | null = null;

  constructor(private readonly breakerConfig: BreakerConfig = DEFAULT_BREAKER) {
    this.breaker = closedBreaker(breakerConfig);
  }

  static from(d: OriginStatsData, breakerConfig: BreakerConfig = DEFAULT_BREAKER): OriginStats {
    const s = new OriginStats(breakerConfig);
    for (const [model, m] of Object.entries(d.models)) s.models.set(model, ModelStats.from(m));
    s.window = SlidingCounts.from(d.window);
    s.breaker = d.breaker;
    s.arrivals = d.arrivals;
    s.arrivalsAt = d.arrivalsAt;
    s.probe = d.probe;
    return s;
  }

  toJSON(): OriginStatsData {
    const models: Record<string, ModelData> = {};
    for (const [model, m] of this.models) models[model] = m.toJSON();
    return { models, window: this.window.toJSON(), breaker: this.breaker, arrivals: this.arrivals, arrivalsAt: this.arrivalsAt, probe: this.probe };
  }

  observe(obs: Observation, now: number): void {
    if (obs.censored) return this.observeCensored(obs, now);
    this.window.record(obs.ok, now);
    this.arrivals = this.decayedArrivals(now) + 1;
    this.arrivalsAt = now;
    // A success that lands while the circuit is open started before it opened: it does not close it.
    if (!obs.ok) this.setBreaker(onFailure(this.breaker, now, this.window.totals(now), obs.retryAfterMs ?? 0, this.breakerConfig), now);
    else if (currentState(this.breaker, now) !== "open") this.setBreaker(onSuccess(this.breaker, this.breakerConfig), now);
    if (!obs.ok) return;
    let m = this.models.get(obs.model);
    if (!m) this.models.set(obs.model, (m = new ModelStats()));
    m.observe(obs, now);
  }

  /**
   * An abandoned attempt: its TTFT was at least `ttftMs`. That may only raise
   * the estimate (peak-EWMA), never lower it; health and sketches are untouched.
   */
  private observeCensored(obs: Observation, now: number): void {
    const m = this.models.get(obs.model);
    if (!m || obs.ttftMs === undefined || obs.ttftMs <= m.ttft) return;
    m.ttft = obs.ttftMs;
    m.ttftAt = now;
  }

  /** Active health probes move the circuit, not the latency estimates. */
  probed(result: ProbeResult, now: number): void {
    this.probe = result;
    if (!result.ok) this.setBreaker(onFailure(this.breaker, now, this.window.totals(now), 0, this.breakerConfig), now);
    // A healthy probe closes a circuit whose wait is over; it never cuts a Retry-After short.
    else if (currentState(this.breaker, now) !== "open") this.setBreaker(onSuccess(this.breaker, this.breakerConfig), now);
  }

  /** Closing a circuit forgives the errors of the episode that opened it. */
  private setBreaker(next: BreakerData, now: number): void {
    if (next.state === "closed" && currentState(this.breaker, now) !== "closed") this.window = new SlidingCounts();
    this.breaker = next;
  }

  summary(now: number): OriginSummary {
    const { ok, err } = this.window.totals(now);
    const models: Record<string, ModelSummary> = {};
    // Mean latency over the traffic mix: each model's total weighted by its
    // (decayed) share of answers, not the slowest model's alone.
    let weighted = 0;
    let weight = 0;
    for (const [model, m] of this.models) {
      models[model] = m.summary();
      if (m.totalAt <= 0) continue;
      const w = m.totalSketch.count * Math.pow(0.5, Math.max(0, now - m.decayedAt) / SKETCH_HALF_LIFE_MS);
      weighted += w * m.total;
      weight += w;
    }
    const meanLatency = weight > 0 ? weighted / weight : 0;
    return {
      circuit: currentState(this.breaker, now),
      retryAt: this.breaker.retryAt,
      errorRate: ok + err > 0 ? err / (ok + err) : 0,
      ok,
      err,
      inFlight: (this.decayedArrivals(now) / RATE_TAU_MS) * meanLatency,
      probe: this.probe,
      models,
    };
  }

  private decayedArrivals(now: number): number {
    return this.arrivalsAt > 0 ? this.arrivals * Math.exp(-Math.max(0, now - this.arrivalsAt) / RATE_TAU_MS) : 0;
  }
}
