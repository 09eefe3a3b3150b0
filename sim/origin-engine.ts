// One origin's GPU on the simulation clock: the continuous-batching scheduler
// of fleet/engine.ts (same rules, same fleet/timing.ts step times), rewritten
// for virtual time so that an hour of traffic costs a few events per request
// instead of one event per decode step:
//
//  - waiting prompts form a FIFO queue; a step prefills at most ONE of them
//    (only while the decode batch has room, `maxBatch`) and decodes one token
//    for every running sequence; step time = prefillMs(uncached prompt) +
//    decodeStepMs(batch, mean ctx), divided by the origin's speed;
//  - the prefix cache (fleet/prefix-cache.ts, the fleet's own) is looked up
//    when a prompt's prefill starts and filled when it ends: no extra events;
//  - a prompt's first token comes out of its prefill step (TTFT), then it
//    joins the decode batch until its last token;
//  - a run of pure decode steps with nothing to change in between (no room
//    or no prompt to prefill, no sequence finishing) is one event: k steps of
//    decodeStepMs at the run's mean context (exact, as the step time is linear
//    in context). An arrival or a cancellation cuts the run at the end of the
//    step in progress, exactly where the real scheduler would pick it up.
import { BLOCK_TOKENS, kvBlocksOption } from "../fleet/gpu-profiles";
import { PrefixCache } from "../fleet/prefix-cache";
import { decodeStepMs, prefillMs, type ProfileRef } from "../fleet/timing";
import type { EventHandle, EventQueue } from "./event-queue";
import { MinHeap } from "./min-heap";

export interface SimSequence {
  readonly promptTokens: number;
  /** The prompt's full-block ids (16 tokens each, chained: equal id = equal prefix), in order. */
  readonly blocks?: readonly string[];
  /** At least 1: the first token comes out of prefill. */
  readonly outputTokens: number;
  /** Token 0 left the GPU at virtual time `at`; `cachedTokens` of the prompt came from the prefix cache. */
  onFirstToken(at: number, cachedTokens: number): void;
  /** The last token left the GPU at `at`. */
  onDone(at: number): void;
}

export interface SimSequenceHandle {
  /** The client went away: drop the sequence (idempotent, no callbacks after). */
  cancel(): void;
}

export interface EngineSpec {
  readonly profile: ProfileRef;
  /** Time divisor; 1 = one real H100. */
  readonly speed: number;
  readonly maxBatch: number;
  /** KV capacity in blocks of 16 tokens; default: the profile's GPU and model (fleet/gpu-profiles.ts). */
  readonly kvBlocks?: number;
}

/** What the origin's /metrics would say (counters cumulative). */
export interface SimEngineLoad {
  waiting: number;
  running: number;
  /** KV of the running sequences over capacity, 0..1. */
  kvUsage: number;
  prefixQueriedTokens: number;
  prefixHitTokens: number;
}

const NO_BLOCKS: readonly string[] = [];

const enum State {
  Queued,
  Prefilling,
  Decoding,
  Gone,
}

interface Seq {
  readonly spec: SimSequence;
  state: State;
  /** Prompt tokens found in the prefix cache when its prefill started. */
  cached: number;
  /** The step whose end emitted token 0. */
  joinStep: number;
  /** The step whose end emits the last token. */
  finishStep: number;
}

interface Run {
  readonly start: number;
  /** Mean step time over the run's steps. */
  stepMs: number;
  steps: number;
  readonly prefill: Seq | null;
  /** Pure decode runs: the time of their first `steps` steps, for cutting them short. */
  readonly duration: ((steps: number) => number) | null;
  handle: EventHandle;
}

export interface EngineCounters {
  /** ∫ (decoding + prefilling sequences) dt, in sequence-ms. */
  occupancyMs: number;
  /** ∫ waiting prompts dt. */
  queuedMs: number;
  /** Time with a step running. */
  busyMs: number;
  prefills: number;
  completed: number;
}

export class SimEngine {
  readonly maxBatch: number;
  readonly counters: EngineCounters = { occupancyMs: 0, queuedMs: 0, busyMs: 0, prefills: 0, completed: 0 };
  readonly prefixCache: PrefixCache;
  private readonly kvTokens: number;
  private readonly profile: ProfileRef;
  private readonly speed: number;
  /** Extra time multiplier (4 = four times slower), for degradations. */
  private slowdown = 1;

  private queue: Seq[] = [];
  private head = 0;
  private waiting = 0;
  /** Decoding sequences, a min-heap on finishStep; cancelled ones are skipped lazily. */
  private readonly heap = new MinHeap<Seq>((a, b) => a.finishStep < b.finishStep);
  private decoding = 0;
  /** Σ (promptTokens − joinStep) over decoding sequences: mean ctx at step s is this / n + s. */
  private ctxBase = 0;
  private step = 0;
  private run: Run | null = null;
  private accountedAt = 0;
  /** Inside finishRun: callbacks may submit or cancel, the run starts once they are done. */
  private finishing = false;

  constructor(
    private readonly clock: EventQueue,
    spec: EngineSpec,
  ) {
    this.profile = spec.profile;
    this.speed = spec.speed;
    this.maxBatch = Math.max(1, Math.floor(spec.maxBatch));
    prefillMs(this.profile, 1, this.speed); // fail fast on a bad profile or speed
    this.prefixCache = new PrefixCache(kvBlocksOption(spec.kvBlocks, this.profile));
    this.kvTokens = this.prefixCache.capacity * BLOCK_TOKENS;
    this.accountedAt = clock.now;
  }

  get queued(): number {
    return this.waiting;
  }

  get running(): number {
    return this.decoding + (this.run?.prefill && this.run.prefill.state === State.Prefilling ? 1 : 0);
  }

  get inFlight(): number {
    return this.waiting + this.running;
  }

  /** Queue, batch, KV use and prefix-cache counters now, as the origin's /metrics would publish them. O(1). */
  load(): SimEngineLoad {
    const run = this.run;
    // Σ ctx over decoding sequences at step s is ctxBase + n·s; inside a run, count its finished steps.
    let step = this.step;
    if (run && run.steps > 1) step += Math.min(run.steps, Math.floor((this.clock.now - run.start) / run.stepMs));
    let kv = this.decoding > 0 ? this.ctxBase + this.decoding * step : 0;
    const p = run?.prefill;
    if (p && p.state === State.Prefilling) kv += p.spec.promptTokens;
    const c = this.prefixCache;
    return {
      waiting: this.waiting,
      running: this.running,
      kvUsage: Math.min(1, kv / this.kvTokens),
      prefixQueriedTokens: c.queriedTokens,
      prefixHitTokens: c.hitTokens,
    };
  }

  submit(spec: SimSequence): SimSequenceHandle {
    if (!(spec.outputTokens >= 1)) throw new RangeError("outputTokens must be at least 1");
    this.account();
    const seq: Seq = { spec, state: State.Queued, cached: 0, joinStep: 0, finishStep: 0 };
    this.queue.push(seq);
    this.waiting++;
    if (this.decoding < this.maxBatch) this.poke();
    return { cancel: () => this.cancel(seq) };
  }

  /** Multiplies every step time from the next step on (1 = normal). */
  setSlowdown(factor: number): void {
    if (!(factor > 0)) throw new RangeError(`slowdown must be positive, got ${factor}`);
    this.slowdown = factor;
    this.poke();
  }

  /** The GPU is gone: every sequence is dropped without callbacks, its prefix cache with them; returns what was lost. */
  fail(): { spec: SimSequence; started: boolean }[] {
    this.account();
    const lost: { spec: SimSequence; started: boolean }[] = [];
    for (let i = this.head; i < this.queue.length; i++) {
      const s = this.queue[i]!;
      if (s.state === State.Queued) lost.push({ spec: s.spec, started: false });
      s.state = State.Gone;
    }
    const p = this.run?.prefill;
    if (p && p.state === State.Prefilling) lost.push({ spec: p.spec, started: false });
    if (p) p.state = State.Gone;
    for (const s of this.heap.values()) {
      if (s.state === State.Decoding) lost.push({ spec: s.spec, started: true });
      s.state = State.Gone;
    }
    if (this.run) this.run.handle.cancelled = true;
    this.run = null;
    this.queue = [];
    this.head = this.waiting = 0;
    this.heap.clear();
    this.decoding = this.ctxBase = 0;
    this.prefixCache.clear();
    return lost;
  }

  /** Brings the time integrals up to now (call before reading counters). */
  account(): void {
    const now = this.clock.now;
    const dt = now - this.accountedAt;
    if (dt > 0) {
      this.counters.occupancyMs += dt * this.running;
      this.counters.queuedMs += dt * this.waiting;
      if (this.run) this.counters.busyMs += dt;
    }
    this.accountedAt = now;
  }

  private cancel(seq: Seq): void {
    switch (seq.state) {
      case State.Gone:
        return;
      case State.Queued:
        this.account();
        this.waiting--;
        seq.state = State.Gone;
        return;
      case State.Prefilling:
        // The step still takes its time: the GPU already did the work.
        this.account();
        seq.state = State.Gone;
        return;
      case State.Decoding:
        this.account();
        seq.state = State.Gone;
        this.decoding--;
        this.ctxBase -= seq.spec.promptTokens - seq.joinStep;
        this.poke(); // a smaller batch, and maybe room for a waiting prompt
        return;
    }
  }

  /** Something changed: start a run if idle, or cut the run at the end of the step in progress. */
  private poke(): void {
    if (this.finishing) return;
    const run = this.run;
    if (!run) {
      this.startRun(this.clock.now);
      return;
    }
    if (run.steps <= 1 || !run.duration) return;
    // The first step boundary at or after now (step times grow with context, so search).
    const elapsed = this.clock.now - run.start;
    let steps = Math.min(run.steps, Math.floor(elapsed / run.stepMs) + 1);
    while (steps > 1 && run.duration(steps - 1) >= elapsed) steps--;
    while (steps < run.steps && run.duration(steps) < elapsed) steps++;
    if (steps >= run.steps) return;
    const duration = run.duration(steps);
    run.steps = steps;
    run.stepMs = duration / steps;
    run.handle.cancelled = true;
    run.handle = this.clock.at(run.start + duration, this.finishRun);
  }

  private nextWaiting(): Seq | null {
    const q = this.queue;
    while (this.head < q.length && q[this.head]!.state !== State.Queued) this.head++;
    if (this.head > 1024 && this.head * 2 > q.length) {
      this.queue = q.slice(this.head);
      this.head = 0;
    }
    return this.queue[this.head] ?? null;
  }

  private topFinish(): number {
    const h = this.heap;
    while (h.size > 0 && h.peek()!.state !== State.Decoding) h.pop();
    return h.peek()?.finishStep ?? Infinity;
  }

  private startRun(t: number): void {
    const speed = this.speed / this.slowdown;
    const n = this.decoding;
    const prompt = n < this.maxBatch ? this.nextWaiting() : null;
    let stepMs: number;
    let steps: number;
    let duration: Run["duration"] = null;
    if (prompt) {
      this.head++;
      this.waiting--;
      prompt.state = State.Prefilling;
      this.counters.prefills++;
      const promptTokens = prompt.spec.promptTokens;
      prompt.cached = this.prefixCache.query(prompt.spec.blocks ?? NO_BLOCKS, promptTokens);
      stepMs = prefillMs(this.profile, promptTokens - prompt.cached, speed);
      if (n > 0) stepMs += decodeStepMs(this.profile, n, this.ctxBase / n + this.step + 1, speed);
      steps = 1;
    } else if (n > 0) {
      steps = this.topFinish() - this.step;
      // Step j (1-based) of the run decodes at mean context ctx0 + j; the time is linear in it.
      const ctx0 = this.ctxBase / n + this.step;
      const profile = this.profile;
      duration = (k: number) => k * decodeStepMs(profile, n, ctx0 + (k + 1) / 2, speed);
      stepMs = duration(steps) / steps;
    } else {
      this.run = null;
      return;
    }
    const run: Run = { start: t, stepMs, steps, prefill: prompt, duration, handle: null! };
    run.handle = this.clock.at(t + steps * stepMs, this.finishRun);
    this.run = run;
  }

  private readonly finishRun = (): void => {
    const run = this.run!;
    const t = this.clock.now;
    this.account();
    this.step += run.steps;
    this.finishing = true;
    // Decode: every sequence whose last step this was is done.
    const h = this.heap;
    for (let top = h.peek(); top && (top.state !== State.Decoding || top.finishStep <= this.step); top = h.peek()) {
      const s = h.pop()!;
      if (s.state !== State.Decoding) continue;
      s.state = State.Gone;
      this.decoding--;
      this.ctxBase -= s.spec.promptTokens - s.joinStep;
      this.counters.completed++;
      s.spec.onDone(t);
    }
    // Prefill: token 0, then the sequence joins the batch.
    const p = run.prefill;
    this.run = null;
    // The prompt's KV is computed even if its client left meanwhile: it enters the cache.
    const blocks = p?.spec.blocks;
    if (blocks) this.prefixCache.insert(blocks, Math.floor(p.spec.promptTokens / BLOCK_TOKENS));
    if (p && p.state === State.Prefilling) {
      p.joinStep = this.step;
      p.finishStep = this.step + p.spec.outputTokens - 1;
      p.spec.onFirstToken(t, p.cached);
      if (p.state === State.Prefilling) {
        if (p.spec.outputTokens <= 1) {
          p.state = State.Gone;
          this.counters.completed++;
          p.spec.onDone(t);
        } else {
          p.state = State.Decoding;
          this.decoding++;
          this.ctxBase += p.spec.promptTokens - p.joinStep;
          h.push(p);
        }
      }
    }
    this.finishing = false;
    this.startRun(t);
  };
}
