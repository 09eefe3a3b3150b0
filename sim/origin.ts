// An origin as the network sees it: the batching engine behind a health
// state. "blackhole": connections get no answer (attempts run into the TTFT
// timeout, probes into theirs); "refused": connections fail after one round trip.
import type { EventQueue } from "./event-queue";
import { SimEngine, type SimSequence, type SimSequenceHandle } from "./origin-engine";
import type { OriginSpec } from "./world";

export type Health = "up" | "blackhole" | "refused";

export interface StreamSequence extends SimSequence {
  /** The origin died after this sequence's first token: the stream is cut at `at`. */
  onCut(at: number): void;
}

export class SimOrigin {
  readonly engine: SimEngine;
  private state: Health = "up";

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
    this.engine.setSlowdown(factor);
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
