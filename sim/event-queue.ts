// The simulation clock: a binary min-heap of events ordered by time, ties
// broken by scheduling order, so a run is fully deterministic. No real timers.
import { MinHeap } from "./min-heap";

export interface EventHandle {
  readonly at: number;
  /** Cancelled events stay in the heap and are skipped when they come up. */
  cancelled: boolean;
}

interface Entry extends EventHandle {
  readonly seq: number;
  readonly fn: () => void;
}

export class EventQueue {
  private readonly heap = new MinHeap<Entry>(before);
  private seq = 0;
  private clock = 0;
  /** Events run so far (cancelled ones not counted). */
  processed = 0;

  /** Virtual time in milliseconds. */
  get now(): number {
    return this.clock;
  }

  get size(): number {
    return this.heap.size;
  }

  /** Runs `fn` at virtual time `at` (never in the past: earlier times run now). */
  at(at: number, fn: () => void): EventHandle {
    const entry: Entry = { at: Math.max(at, this.clock), seq: this.seq++, fn, cancelled: false };
    this.heap.push(entry);
    return entry;
  }

  /** Runs `fn` after `delay` milliseconds of virtual time. */
  after(delay: number, fn: () => void): EventHandle {
    return this.at(this.clock + Math.max(0, delay), fn);
  }

  /** Runs events in order until the queue is empty or the next one is later than `until`. */
  run(until = Infinity): void {
    for (let top = this.heap.peek(); top; top = this.heap.peek()) {
      if (top.at > until) break;
      this.heap.pop();
      if (top.cancelled) continue;
      this.clock = top.at;
      this.processed++;
      top.fn();
    }
    if (until !== Infinity && until > this.clock) this.clock = until;
  }
}

function before(a: Entry, b: Entry): boolean {
  return a.at < b.at || (a.at === b.at && a.seq < b.seq);
}
