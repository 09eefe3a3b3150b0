// An origin's own load, as its inference engine reports it (vLLM, SGLang,
// llama.cpp `/metrics`), read once per origin per interval for the whole
// world and carried in every region's snapshot. Routing reads it beside the
// region's passive statistics; an origin without metrics has none.

export interface EngineLoad {
  /** Requests queued in the engine, not yet running. */
  waiting: number;
  /** Requests in the running batch. */
  running: number;
  /** KV-cache use, 0..1. */
  kvUsage: number;
  /** Prefix-cache hits over queries since the previous reading, 0..1; null when the engine does not say. */
  prefixHitRate: number | null;
  /** When it was read (ms since epoch). */
  at: number;
}
