// The simulation clock: a binary min-heap of events ordered by time, ties
// broken by scheduling order, so a run is fully deterministic. No real timers.

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
  private heap: Entry[] = [];
  private seq = 0;
  private clock = 0;
  /** Events run so far (cancelled ones not counted). */
  processed = 0;

  /** Virtual time in milliseconds. */
  get now(): number {
    return this.clock;
  }

  get size(): number {
    return this.heap.length;
  }

  /** Runs `fn` at virtual time `at` (never in the past: earlier times run now). */
  at(at: number, fn: () => void): EventHandle {
    const entry: Entry = { at: Math.max(at, this.clock), seq: this.seq++, fn, cancelled: false };
    const h = this.heap;
    h.push(entry);
    let i = h.length - 1;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (!before(entry, h[parent]!)) break;
      h[i] = h[parent]!;
      i = parent;
    }
    h[i] = entry;
    return entry;
  }

  /** Runs `fn` after `delay` milliseconds of virtual time. */
  after(delay: number, fn: () => void): EventHandle {
    return this.at(this.clock + Math.max(0, delay), fn);
  }

  /** Runs events in order until the queue is empty or the next one is later than `until`. */
  run(until = Infinity): void {
    const h = this.heap;
    while (h.length > 0) {
      const top = h[0]!;
      if (top.at > until) break;
      this.pop();
      if (top.cancelled) continue;
      this.clock = top.at;
      this.processed++;
      top.fn();
    }
    if (until !== Infinity && until > this.clock) this.clock = until;
  }

  private pop(): void {
    const h = this.heap;
    const last = h.pop()!;
    if (h.length === 0) return;
    const n = h.length;
    let i = 0;
    for (;;) {
      const l = 2 * i + 1;
      if (l >= n) break;
      const r = l + 1;
      const child = r < n && before(h[r]!, h[l]!) ? r : l;
      if (!before(h[child]!, last)) break;
      h[i] = h[child]!;
      i = child;
    }
    h[i] = last;
  }
}

function before(a: Entry, b: Entry): boolean {
  return a.at < b.at || (a.at === b.at && a.seq < b.seq);
}
