// An origin as the network sees it: the batching engine behind a health
// state. "blackhole": connections get no answer (attempts run into the TTFT
// timeout, probes into theirs); "refused": connections fail after one round trip.
import type { EventQueue } from "./event-queue";
import { SimEngine, type SimSequence, type SimSequenceHandle } from "./origin-engine";
import type { OriginSpec } from "./world";

export type Health = "up" | "blackhole" | "refused";

export interface StreamSequence extends SimSequence {
  /** Hashes of the prompt's full 16-token blocks, in order (the engine's prefix cache reads them). */
  readonly blocks?: readonly string[];
  /** The origin died after this sequence's first token: the stream is cut at `at`. */
  onCut(at: number): void;
}

export class SimOrigin {
  readonly engine: SimEngine;
  private state: Health = "up";
  private factor = 1;

  constructor(
    clock: EventQueue,
    readonly spec: OriginSpec,
    readonly index: number,
  ) {
    this.engine = new SimEngine(clock, spec);
  }

  get id(): string {
    return this.spec.origin.id;
  }

  get health(): Health {
    return this.state;
  }

  /** Only call when healthy. */
  submit(seq: StreamSequence): SimSequenceHandle {
    if (this.state !== "up") throw new Error(`origin ${this.id} is ${this.state}`);
    return this.engine.submit(seq);
  }

  slowDown(factor: number): void {
    this.factor = factor;
    this.engine.setSlowdown(factor);
  }

  get slowdown(): number {
    return this.factor;
  }

  /** Healthy again, at full speed. */
  recover(): void {
    this.state = "up";
    if (this.factor !== 1) this.slowDown(1);
  }

  /** Dies: every running stream is cut, waiting prompts are never answered. */
  crash(mode: Exclude<Health, "up">, at: number): void {
    this.state = mode;
    for (const lost of this.engine.fail()) if (lost.started) (lost.spec as StreamSequence).onCut(at);
  }

  setHealth(state: Health): void {
    this.state = state;
  }
}
