// Success and error counts over a sliding window made of fixed time slots
// (a ring), so the error rate forgets old failures slot by slot.

export interface WindowData {
  slotMs: number;
  /** Start time of each slot, with its counts. */
  starts: number[];
  ok: number[];
  err: number[];
}

export class SlidingCounts {
  private readonly starts: number[];
  private readonly ok: number[];
  private readonly err: number[];

  constructor(
    readonly slots = 6,
    readonly slotMs = 10_000,
  ) {
    this.starts = new Array<number>(slots).fill(-Infinity);
    this.ok = new Array<number>(slots).fill(0);
    this.err = new Array<number>(slots).fill(0);
  }

  record(success: boolean, now: number, n = 1): void {
    const i = this.slot(now);
    if (success) this.ok[i]! += n;
    else this.err[i]! += n;
  }

  totals(now: number): { ok: number; err: number } {
    let ok = 0;
    let err = 0;
    const oldest = now - this.slots * this.slotMs;
    for (let i = 0; i < this.slots; i++) {
      if (this.starts[i]! > oldest) {
        ok += this.ok[i]!;
        err += this.err[i]!;
      }
    }
    return { ok, err };
  }

  toJSON(): WindowData {
    return { slotMs: this.slotMs, starts: this.starts.map((s) => (Number.isFinite(s) ? s : 0)), ok: [...this.ok], err: [...this.err] };
  }

  static from(data: WindowData | undefined, slots = 6, slotMs = 10_000): SlidingCounts {
    const w = new SlidingCounts(slots, slotMs);
    if (!data || data.starts.length !== slots || data.slotMs !== slotMs) return w;
    for (let i = 0; i < slots; i++) {
      w.starts[i] = data.starts[i] || -Infinity;
      w.ok[i] = data.ok[i] ?? 0;
      w.err[i] = data.err[i] ?? 0;
    }
    return w;
  }

  private slot(now: number): number {
    const start = now - (now % this.slotMs);
    const i = Math.floor(now / this.slotMs) % this.slots;
    if (this.starts[i] !== start) {
      this.starts[i] = start;
      this.ok[i] = 0;
      this.err[i] = 0;
    }
    return i;
  }
}
