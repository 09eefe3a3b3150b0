// Reads an inference engine's Prometheus text exposition (`GET /metrics`) into
// an EngineLoad. Pure, and written for hostile input: one pass over the text
// with indexOf (no split into lines, no regular expressions), only the few
// metric names we know are looked at, every other line is skipped unread, and
// a value that is not a finite, non-negative number is ignored. Never throws.
import type { EngineLoad } from "./engine-load";

export const ENGINE_METRICS_FORMATS = ["vllm", "sglang", "llamacpp"] as const;
export type EngineMetricsFormat = (typeof ENGINE_METRICS_FORMATS)[number];

/** Text beyond this many characters is not read (the scraper caps the bytes it fetches too). */
export const MAX_METRICS_CHARS = 1 << 20;
/** A queue or batch larger than this is a lie or a bug: clamped, so sums stay finite. */
const MAX_REQUESTS = 1_000_000;

/** What one reading leaves for the next: vLLM's prefix-cache counters, to take deltas of. */
export interface CounterState {
  queries: number;
  hits: number;
}

export interface EngineReading {
  load: EngineLoad;
  /** Null when the format has no counters (SGLang, llama.cpp) or the text did not carry them. */
  counters: CounterState | null;
}

// What each known metric adds to: sums over every label set (models, engines, ...).
type Slot = "waiting" | "running" | "kv" | "hitRate" | "queries" | "hits";

const VLLM: ReadonlyMap<string, Slot> = new Map([
  ["vllm:num_requests_waiting", "waiting"],
  ["vllm:num_requests_running", "running"],
  ["vllm:kv_cache_usage_perc", "kv"],
  ["vllm:gpu_cache_usage_perc", "kv"], // the name before vLLM 0.10
  ["vllm:prefix_cache_queries_total", "queries"],
  ["vllm:prefix_cache_hits_total", "hits"],
  ["vllm:gpu_prefix_cache_queries_total", "queries"],
  ["vllm:gpu_prefix_cache_hits_total", "hits"],
]);
const SGLANG: ReadonlyMap<string, Slot> = new Map([
  ["sglang:num_queue_reqs", "waiting"],
  ["sglang:num_running_reqs", "running"],
  ["sglang:token_usage", "kv"],
  ["sglang:cache_hit_rate", "hitRate"],
]);
const LLAMACPP: ReadonlyMap<string, Slot> = new Map([
  ["llamacpp:requests_deferred", "waiting"],
  ["llamacpp:requests_processing", "running"],
  ["llamacpp:kv_cache_usage_ratio", "kv"],
]);
const NAMES: Record<EngineMetricsFormat, ReadonlyMap<string, Slot>> = { vllm: VLLM, sglang: SGLANG, llamacpp: LLAMACPP };
/** The lengths of each format's names: a line whose name has another length is skipped without copying the name. */
const LENGTHS: Record<EngineMetricsFormat, ReadonlySet<number>> = {
  vllm: new Set([...VLLM.keys()].map((n) => n.length)),
  sglang: new Set([...SGLANG.keys()].map((n) => n.length)),
  llamacpp: new Set([...LLAMACPP.keys()].map((n) => n.length)),
};

class Totals {
  sum = { waiting: 0, running: 0, kv: 0, hitRate: 0, queries: 0, hits: 0 };
  seen = { waiting: 0, running: 0, kv: 0, hitRate: 0, queries: 0, hits: 0 };

  add(slot: Slot, value: number): void {
    this.sum[slot] += value;
    this.seen[slot]++;
  }

  /** Ratios (KV use, a hit-rate gauge) are averaged over label sets, clamped to 0..1. */
  mean(slot: Slot): number | null {
    return this.seen[slot] > 0 ? Math.min(1, this.sum[slot] / this.seen[slot]) : null;
  }
}

/**
 * One reading. `previous` is what the last reading of the same origin left
 * (vLLM's hit rate is the counters' growth since then; a counter that went
 * down was reset, and counts from zero, as Prometheus' rate() does). Null
 * when the text has neither a queue nor a batch size: nothing to route on.
 */
export function parseEngineMetrics(text: string, format: EngineMetricsFormat, previous: CounterState | null, at: number): EngineReading | null {
  if (!Object.hasOwn(NAMES, format) || typeof text !== "string") return null;
  const names = NAMES[format];
  const lengths = LENGTHS[format];
  const totals = new Totals();
  const end = Math.min(text.length, MAX_METRICS_CHARS);
  let start = 0;
  while (start < end) {
    let stop = text.indexOf("\n", start);
    if (stop < 0) stop = text.length;
    // A line cut by the cap is not read: its value may be cut too.
    if (stop > end) break;
    readLine(text, start, stop, names, lengths, totals);
    start = stop + 1;
  }
  if (totals.seen.waiting === 0 && totals.seen.running === 0) return null;
  const counters = totals.seen.queries > 0 && totals.seen.hits > 0 ? { queries: totals.sum.queries, hits: totals.sum.hits } : null;
  return {
    load: {
      waiting: Math.min(MAX_REQUESTS, totals.sum.waiting),
      running: Math.min(MAX_REQUESTS, totals.sum.running),
      // An engine that does not say (llama.cpp builds without the gauge) is not held back by it.
      kvUsage: totals.mean("kv") ?? 0,
      prefixHitRate: format === "vllm" ? hitRateSince(previous, counters) : format === "sglang" ? totals.mean("hitRate") : null,
      at,
    },
    counters,
  };
}

/** Hits over queries since the previous reading; null without two readings or without queries in between. */
export function hitRateSince(previous: CounterState | null, current: CounterState | null): number | null {
  if (!previous || !current) return null;
  const reset = current.queries < previous.queries || current.hits < previous.hits;
  const queries = reset ? current.queries : current.queries - previous.queries;
  const hits = reset ? current.hits : current.hits - previous.hits;
  if (!(queries > 0) || !Number.isFinite(queries) || !Number.isFinite(hits)) return null;
  return Math.min(1, Math.max(0, hits / queries));
}

/** One sample line `name{labels} value [timestamp]`; comments and unknown names are skipped. */
function readLine(text: string, start: number, stop: number, names: ReadonlyMap<string, Slot>, lengths: ReadonlySet<number>, totals: Totals): void {
  while (start < stop && (text.charCodeAt(start) === 32 || text.charCodeAt(start) === 9)) start++;
  if (start >= stop || text.charCodeAt(start) === 35 /* # */) return;
  let nameEnd = start;
  while (nameEnd < stop) {
    const c = text.charCodeAt(nameEnd);
    if (c === 123 /* { */ || c === 32 || c === 9) break;
    nameEnd++;
  }
  // Most lines are histograms and other metrics: only a name of one of our lengths is copied to be looked up.
  if (!lengths.has(nameEnd - start)) return;
  const slot = names.get(text.slice(start, nameEnd));
  if (slot === undefined) return;
  let valueStart = nameEnd;
  if (text.charCodeAt(nameEnd) === 123) {
    valueStart = labelsEnd(text, nameEnd + 1, stop);
    if (valueStart < 0) return;
  }
  const value = readValue(text, valueStart, stop);
  if (value !== null) totals.add(slot, value);
}

/** Just past the `}` that closes the labels (quoted values may hold `}` and escaped quotes), or -1. */
function labelsEnd(text: string, i: number, stop: number): number {
  let quoted = false;
  for (; i < stop; i++) {
    const c = text.charCodeAt(i);
    if (quoted) {
      if (c === 92 /* \ */) i++;
      else if (c === 34 /* " */) quoted = false;
    } else if (c === 34) quoted = true;
    else if (c === 125 /* } */) return i + 1;
  }
  return -1;
}

/** The first token after the labels as a finite, non-negative number; null otherwise. */
function readValue(text: string, i: number, stop: number): number | null {
  while (i < stop && (text.charCodeAt(i) === 32 || text.charCodeAt(i) === 9)) i++;
  let j = i;
  while (j < stop && text.charCodeAt(j) !== 32 && text.charCodeAt(j) !== 9 && text.charCodeAt(j) !== 13) j++;
  if (j === i || j - i > 32) return null;
  const value = Number(text.slice(i, j));
  return Number.isFinite(value) && value >= 0 ? value : null;
}
