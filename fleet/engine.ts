// Continuous-batching scheduler imitation (one per origin), like vLLM's:
//
//  - new sequences wait in a FIFO queue;
//  - the GPU runs "steps"; a step prefills at most ONE waiting prompt
//    (prefill is serialized, so TTFT grows with the queue) and decodes one
//    token for every running sequence (chunked-prefill style mixed step);
//  - a sequence's first token comes out of its prefill; it then joins the
//    decode batch, capped at `maxBatch` (beyond that, prompts keep waiting);
//  - step time = prefillMs(uncached prompt) + decodeStepMs(batch, mean ctx), / speed;
//  - a prefix cache of KV blocks (fleet/prefix-cache.ts) is looked up when a
//    prompt's prefill starts, and only the uncached suffix is prefilled; the
//    prompt's blocks enter the cache when its prefill step ends.
//
// One timer per engine drives all sequences, so thousands of concurrent
// requests cost one timer, not thousands. The clock is virtual: step k+1
// starts exactly when step k ends, and a late timer just catches up, so
// sub-millisecond steps (high `speed`) keep an exact average pace even though
// Node timers have ~1 ms resolution.

import { performance } from "node:perf_hooks";
import { BLOCK_TOKENS, kvBlocksOption } from "./gpu-profiles";
import { PrefixCache } from "./prefix-cache";
import { decodeStepMs, prefillMs, type ProfileRef } from "./timing";

/** What an origin's /metrics reports: its queue, batch, KV use and prefix-cache counters. */
export interface FleetEngineLoad {
  /** Sequences waiting for prefill. */
  readonly waiting: number;
  /** Sequences being prefilled or decoded. */
  readonly running: number;
  /** KV of the running sequences (prompt + generated so far) over the KV capacity, 0..1. */
  readonly kvUsage: number;
  /** Prompt tokens looked up in the prefix cache, cumulative. */
  readonly prefixQueriedTokens: number;
  /** Of those, tokens found cached, cumulative. */
  readonly prefixHitTokens: number;
  /** Hit rate over the last prompts, 0..1 (SGLang's cache_hit_rate gauge). */
  readonly recentHitRate: number;
}

const NO_BLOCKS: readonly string[] = [];

export interface SequenceSpec {
  readonly promptTokens: number;
  /** The prompt's full-block ids, in order (fleet/prompt-blocks.ts); absent = nothing to cache. */
  readonly blocks?: readonly string[];
  /** Tokens to generate. 0 = prefill only (embeddings). */
  readonly outputTokens: number;
  /**
   * Token `index` (0-based) was produced. Index 0 comes out of prefill (TTFT).
   * `at` is when, on the virtual clock (performance.now() scale): the end of
   * the step that made it. The call itself comes at or after `at`.
   */
  onToken?(index: number, at: number): void;
  /** All tokens produced (or the prefill finished, when outputTokens is 0). */
  onDone?(): void;
}

export interface SequenceHandle {
  /** Drop the sequence (client went away). Idempotent; no callbacks after. */
  cancel(): void;
  /** Prompt tokens found in the prefix cache (a multiple of 16), known once its prefill started. */
  readonly cachedTokens: number;
}

export interface EngineOptions {
  readonly profile: ProfileRef;
  /** Time divisor; 1 = real H100. */
  readonly speed?: number;
  /** Max sequences in the decode batch (vLLM max_num_seqs). */
  readonly maxBatch?: number;
  /** KV capacity in blocks of 16 tokens; default: the profile's GPU and model (fleet/gpu-profiles.ts). */
  readonly kvBlocks?: number;
}

const enum State {
  Queued,
  Prefilling,
  Decoding,
  Gone,
}

interface Seq {
  readonly spec: SequenceSpec;
  readonly arrival: number;
  state: State;
  emitted: number;
  ctx: number;
  cached: number;
}

export class Engine {
  readonly maxBatch: number;
  readonly prefixCache: PrefixCache;
  private readonly kvTokens: number;
  private readonly profile: ProfileRef;
  private readonly speed: number;

  private queue: Seq[] = [];
  private head = 0;
  private queuedCount = 0;

  private decoding: Seq[] = [];
  private decodingCount = 0; // live entries in `decoding` (cancelled ones are compacted at step end)
  private sumCtx = 0; // sum of ctx over live decoding sequences

  private prefilling: Seq | null = null;
  private stepEnd = 0;
  private busy = false;
  private timer: ReturnType<typeof setTimeout> | null = null;
  private closed = false;
  private readonly onTimer = (): void => {
    this.timer = null;
    this.advance();
  };

  constructor(opts: EngineOptions) {
    this.profile = opts.profile;
    this.speed = opts.speed ?? 1;
    this.maxBatch = Math.max(1, Math.floor(opts.maxBatch ?? 64));
    this.prefixCache = new PrefixCache(kvBlocksOption(opts.kvBlocks, this.profile));
    this.kvTokens = this.prefixCache.capacity * BLOCK_TOKENS;
    // Fail fast on a bad speed rather than at the first request.
    prefillMs(this.profile, 1, this.speed);
  }

  /** Sequences waiting for prefill. */
  get queued(): number {
    return this.queuedCount;
  }

  /** Sequences being prefilled or decoded. */
  get running(): number {
    return this.decodingCount + (this.livePrefill() ? 1 : 0);
  }

  load(): FleetEngineLoad {
    const p = this.livePrefill();
    const kv = this.sumCtx + (p ? p.spec.promptTokens : 0);
    const c = this.prefixCache;
    return {
      waiting: this.queuedCount,
      running: this.running,
      kvUsage: Math.min(1, kv / this.kvTokens),
      prefixQueriedTokens: c.queriedTokens,
      prefixHitTokens: c.hitTokens,
      recentHitRate: c.recentHitRate(),
    };
  }

  /** The prompt being prefilled, unless its client left (its step still runs). */
  private livePrefill(): Seq | null {
    const p = this.prefilling;
    return p && p.state === State.Prefilling ? p : null;
  }

  get inFlight(): number {
    return this.queuedCount + this.running;
  }

  submit(spec: SequenceSpec): SequenceHandle {
    if (this.closed) throw new Error("engine closed");
    const seq: Seq = { spec, arrival: performance.now(), state: State.Queued, emitted: 0, ctx: spec.promptTokens, cached: 0 };
    this.queue.push(seq);
    this.queuedCount++;
    if (!this.busy) {
      this.busy = true;
      this.startStep(seq.arrival);
      this.schedule();
    }
    return {
      cancel: () => this.cancel(seq),
      get cachedTokens() {
        return seq.cached;
      },
    };
  }

  /** Stop the clock and forget everything; no further callbacks. */
  close(): void {
    this.closed = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    for (const s of this.queue) s.state = State.Gone;
    for (const s of this.decoding) s.state = State.Gone;
    if (this.prefilling) this.prefilling.state = State.Gone;
    this.queue = [];
    this.decoding = [];
    this.head = this.queuedCount = this.decodingCount = this.sumCtx = 0;
    this.prefilling = null;
    this.busy = false;
  }

  private cancel(seq: Seq): void {
    switch (seq.state) {
      case State.Queued:
        this.queuedCount--; // left in the array, skipped when reached
        break;
      case State.Prefilling:
        // The step still takes its time (the GPU already did the work), and its blocks still enter the cache.
        break;
      case State.Decoding:
        this.decodingCount--;
        this.sumCtx -= seq.ctx;
        break;
      case State.Gone:
        return;
    }
    seq.state = State.Gone;
  }

  private schedule(): void {
    if (!this.busy || this.timer || this.closed) return;
    const delay = this.stepEnd - performance.now();
    this.timer = setTimeout(this.onTimer, delay > 0 ? delay : 0);
  }

  /** Finish every step whose virtual end has passed, then re-arm the timer. */
  private advance(): void {
    const now = performance.now();
    while (this.busy && this.stepEnd <= now) {
      const end = this.stepEnd;
      this.finishStep();
      if (this.closed) return;
      this.startStep(end);
    }
    this.schedule();
  }

  private nextWaiting(t: number): Seq | null {
    const q = this.queue;
    while (this.head < q.length && q[this.head]!.state === State.Gone) this.head++;
    if (this.head > 1024 && this.head * 2 > q.length) {
      this.queue = q.slice(this.head);
      this.head = 0;
    }
    const s = this.queue[this.head];
    // Arrival check: during catch-up a step may start (virtually) before a
    // request that is already in the queue actually arrived.
    return s && s.arrival <= t ? s : null;
  }

  /** Begin a step at virtual time `t`, or go idle if there is nothing to do. */
  private startStep(t: number): void {
    let ms = 0;
    if (this.decodingCount < this.maxBatch) {
      const s = this.nextWaiting(t);
      if (s) {
        this.head++;
        this.queuedCount--;
        s.state = State.Prefilling;
        this.prefilling = s;
        s.cached = this.prefixCache.query(s.spec.blocks ?? NO_BLOCKS, s.spec.promptTokens);
        ms += prefillMs(this.profile, s.spec.promptTokens - s.cached, this.speed);
      }
    }
    if (this.decodingCount > 0) {
      ms += decodeStepMs(this.profile, this.decodingCount, this.sumCtx / this.decodingCount, this.speed);
    }
    if (ms > 0) {
      this.stepEnd = t + ms;
      return;
    }
    // Nothing runnable now. Either idle, or the next arrival is in the (real) future.
    const waiting = this.queuedCount > 0 ? this.queue[this.head] : undefined;
    if (waiting) {
      this.stepEnd = waiting.arrival; // an empty step up to the arrival
    } else {
      this.busy = false;
    }
  }

  private finishStep(): void {
    // Decode: one token for every live running sequence; compact in place.
    const d = this.decoding;
    let w = 0;
    const n = d.length;
    for (let i = 0; i < n; i++) {
      const s = d[i]!;
      if (s.state !== State.Decoding) continue; // cancelled
      const index = s.emitted++;
      s.ctx++;
      this.sumCtx++;
      s.spec.onToken?.(index, this.stepEnd);
      if (s.state !== State.Decoding) continue; // cancelled by its own callback
      if (s.emitted >= s.spec.outputTokens) {
        s.state = State.Gone;
        this.decodingCount--;
        this.sumCtx -= s.ctx;
        s.spec.onDone?.();
      } else {
        d[w++] = s;
      }
      if (this.closed) return;
    }
    // Sequences appended during this loop cannot exist (joins happen below).
    d.length = w;

    // Prefill: emits token 0 and joins the batch.
    const p = this.prefilling;
    this.prefilling = null;
    if (p?.spec.blocks) this.prefixCache.insert(p.spec.blocks, Math.floor(p.spec.promptTokens / BLOCK_TOKENS));
    if (p && p.state === State.Prefilling) {
      if (p.spec.outputTokens <= 0) {
        p.state = State.Gone;
        p.spec.onDone?.();
        return;
      }
      p.emitted = 1;
      p.ctx++;
      p.state = State.Decoding;
      this.decodingCount++;
      this.sumCtx += p.ctx;
      d.push(p);
      p.spec.onToken?.(0, this.stepEnd);
      if (p.state === State.Decoding && p.emitted >= p.spec.outputTokens) {
        p.state = State.Gone;
        this.decodingCount--;
        this.sumCtx -= p.ctx;
        d.pop();
        p.spec.onDone?.();
      }
    }
  }
}
