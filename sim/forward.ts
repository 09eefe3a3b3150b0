// One request's attempts, on the simulation clock: the rules of
// worker/upstream/ (retry.ts, hedge.ts, attempt.ts: they run on real fetch and
// timers, so they cannot be driven here) restated as events. Targets are tried in order up to
// maxAttempts; an attempt that has not delivered its first token within the
// TTFT timeout, or whose connection is refused, fails over to the next. When
// the current target has a p95 (`hedgeAfterMs`) and has not answered by then,
// and the budget allows, the next target starts alongside: the first token
// wins and the other attempt is cancelled. What each attempt teaches is
// reported through `observe`, with the same fields attempt.ts reports.
//
// A non-streamed request has no first byte before its whole answer: its
// attempt's limit is the whole-attempt timeout, a race is won by the first
// complete answer, an origin dying mid-answer fails the attempt over (the
// client saw nothing yet), and its TTFT is reported as an estimate from the
// total time, as attempt.ts does.
import { ttftEstimate, type Observation } from "../worker/stats/observation";
import type { EventHandle, EventQueue } from "./event-queue";
import type { SimSequenceHandle } from "./origin-engine";
import type { SimOrigin } from "./origin";

export interface SimTarget {
  readonly origin: SimOrigin;
  /** Start a hedge when this origin has not answered by then, or never. */
  readonly hedgeAfterMs: number | null;
  /** The router's time per output token for this origin, for the TTFT estimate of a whole answer. */
  readonly tpotMs?: number | null;
}

export interface ForwardEnv {
  readonly clock: EventQueue;
  readonly model: string;
  readonly ttftTimeoutMs: number;
  /** Non-streamed requests: the limit on each whole attempt. */
  readonly attemptTimeoutMs: number;
  readonly maxAttempts: number;
  /** One jittered trip between this PoP and the origin. */
  oneWay(origin: SimOrigin): number;
  observe(obs: Observation): void;
  attemptStarted(origin: SimOrigin): void;
  attemptEnded(origin: SimOrigin): void;
  /** Asked when a hedge would start. */
  mayHedge(): boolean;
}

export interface ForwardListener {
  /**
   * The first token reached the PoP (non-streamed: when it would have, had it streamed; called
   * when the whole answer arrives). `cachedTokens`: the prompt tokens the engine had cached.
   */
  onFirstToken(at: number, origin: SimOrigin, attempts: number, hedged: boolean, cachedTokens: number): void;
  /** The stream ended: completely, or cut by a dying origin. */
  onEnd(at: number, complete: boolean): void;
  /** No attempt delivered a first token. */
  onFail(at: number, attempts: number): void;
}

export interface Work {
  readonly promptTokens: number;
  readonly outputTokens: number;
  /** Default true. */
  readonly stream?: boolean;
  /** The prompt's full-block hashes, for the engine's prefix cache. */
  readonly blocks?: readonly string[];
}

interface Racer {
  readonly origin: SimOrigin;
  readonly tpotMs: number | null;
  readonly started: number;
  settled: boolean;
  won: boolean;
  handle: SimSequenceHandle | null;
  timeout: EventHandle | null;
  ttftMs: number;
  /** Non-streamed: when the first token would have reached the PoP. */
  firstAt: number;
  cachedTokens: number;
}

export function forward(env: ForwardEnv, work: Work, targets: readonly SimTarget[], listener: ForwardListener): void {
  new Forwarding(env, work, targets.slice(0, env.maxAttempts), listener).round();
}

class Forwarding {
  private next = 0;
  private attempts = 0;
  private hedged = false;
  private decided = false;
  private racers: Racer[] = [];
  private hedgeTimer: EventHandle | null = null;

  constructor(
    private readonly env: ForwardEnv,
    private readonly work: Work,
    private readonly queue: readonly SimTarget[],
    private readonly listener: ForwardListener,
  ) {}

  round(): void {
    if (this.decided) return;
    const { clock } = this.env;
    const target = this.queue[this.next++];
    if (!target) {
      this.listener.onFail(clock.now, this.attempts);
      return;
    }
    const primary = this.launch(target);
    this.racers = [primary];
    const hedgeAfter = target.hedgeAfterMs;
    if (hedgeAfter !== null && this.next < this.queue.length) {
      this.hedgeTimer = clock.after(hedgeAfter, () => {
        this.hedgeTimer = null;
        if (primary.settled || !this.env.mayHedge()) return;
        this.racers.push(this.launch(this.queue[this.next++]!));
        this.hedged = true;
      });
    }
  }

  private get stream(): boolean {
    return this.work.stream !== false;
  }

  private launch(target: SimTarget): Racer {
    const env = this.env;
    const clock = env.clock;
    const origin = target.origin;
    const racer: Racer = { origin, tpotMs: target.tpotMs ?? null, started: clock.now, settled: false, won: false, handle: null, timeout: null, ttftMs: 0, firstAt: Number.NaN, cachedTokens: 0 };
    this.attempts++;
    env.attemptStarted(origin);
    racer.timeout = clock.after(this.stream ? env.ttftTimeoutMs : env.attemptTimeoutMs, () => this.failed(racer));
    clock.after(env.oneWay(origin), () => {
      if (racer.settled) return; // the client gave up before the request arrived
      switch (origin.health) {
        case "blackhole":
          return; // no answer: the timeout decides
        case "refused":
          clock.after(env.oneWay(origin), () => this.failed(racer));
          return;
        case "up": {
          const blocks = this.work.blocks;
          racer.handle = this.stream
            ? origin.submit({
                promptTokens: this.work.promptTokens,
                outputTokens: this.work.outputTokens,
                ...(blocks ? { blocks } : {}),
                onFirstToken: (_at: number, cached?: number) => {
                  racer.cachedTokens = cached ?? 0;
                  clock.after(env.oneWay(origin), () => this.firstToken(racer));
                },
                onDone: () => clock.after(env.oneWay(origin), () => this.ended(racer, true)),
                onCut: () => clock.after(env.oneWay(origin), () => this.ended(racer, false)),
              })
            : origin.submit({
                promptTokens: this.work.promptTokens,
                outputTokens: this.work.outputTokens,
                ...(blocks ? { blocks } : {}),
                onFirstToken: (at: number, cached?: number) => {
                  racer.cachedTokens = cached ?? 0;
                  racer.firstAt = at + env.oneWay(origin);
                },
                onDone: () => clock.after(env.oneWay(origin), () => this.answered(racer)),
                // The connection breaks before the answer: a failed attempt, the next origin is tried.
                onCut: () => clock.after(env.oneWay(origin), () => this.failed(racer)),
              });
        }
      }
    });
    return racer;
  }

  /** The client closes the connection; the origin hears of it one trip later. */
  private abort(racer: Racer): void {
    if (racer.timeout) racer.timeout.cancelled = true;
    this.env.clock.after(this.env.oneWay(racer.origin), () => racer.handle?.cancel());
  }

  private firstToken(racer: Racer): void {
    if (racer.settled) return;
    const now = this.env.clock.now;
    racer.ttftMs = now - racer.started;
    // Lost the race: slower than the winner, and routing should know it. Simpler than the
    // worker, whose lost stream runs on unread to its first chunk or its TTFT limit (`abandon`
    // in worker/upstream/attempt.ts): here the time until it lost is reported as its TTFT.
    this.win(racer, now, false);
    this.listener.onFirstToken(now, racer.origin, this.attempts, this.hedged, racer.cachedTokens);
  }

  /** `racer` won: the request is decided, and every other attempt is aborted and reported. */
  private win(racer: Racer, now: number, censored: boolean): void {
    racer.settled = true;
    racer.won = true;
    if (racer.timeout) racer.timeout.cancelled = true;
    this.decided = true;
    if (this.hedgeTimer) this.hedgeTimer.cancelled = true;
    for (const other of this.racers) {
      if (other.settled) continue;
      other.settled = true;
      this.abort(other);
      this.env.observe({ origin: other.origin.id, model: this.env.model, at: other.started, ok: true, ...(censored ? { censored: true } : {}), ttftMs: now - other.started });
      this.env.attemptEnded(other.origin);
    }
  }

  /** Non-streamed: the whole answer arrived. */
  private answered(racer: Racer): void {
    if (racer.settled) return;
    const now = this.env.clock.now;
    // Abandoned before its answer: only a lower bound on its time (a censored sample, as in attempt.ts).
    this.win(racer, now, true);
    const totalMs = now - racer.started;
    const out = this.work.outputTokens;
    this.env.observe({ origin: racer.origin.id, model: this.env.model, at: racer.started, ok: true, totalMs, outputTokens: out, ttftMs: ttftEstimate(totalMs, out, racer.tpotMs) });
    this.env.attemptEnded(racer.origin);
    this.listener.onFirstToken(racer.firstAt, racer.origin, this.attempts, this.hedged, racer.cachedTokens);
    this.listener.onEnd(now, true);
  }

  private ended(racer: Racer, complete: boolean): void {
    if (!racer.won) return; // a cancelled attempt whose tokens were already on the wire
    const now = this.env.clock.now;
    this.env.observe({
      origin: racer.origin.id,
      model: this.env.model,
      at: racer.started,
      ok: complete,
      ttftMs: racer.ttftMs,
      totalMs: now - racer.started,
      outputTokens: this.work.outputTokens,
    });
    this.env.attemptEnded(racer.origin);
    this.listener.onEnd(now, complete);
  }

  private failed(racer: Racer): void {
    if (racer.settled) return;
    racer.settled = true;
    this.abort(racer);
    this.env.observe({ origin: racer.origin.id, model: this.env.model, at: racer.started, ok: false });
    this.env.attemptEnded(racer.origin);
    if (this.racers.every((r) => r.settled)) {
      // Settled before its p95: no hedge for this round (hedge.ts's settledWithin).
      if (this.hedgeTimer) this.hedgeTimer.cancelled = true;
      this.hedgeTimer = null;
      this.round();
    }
  }
}
