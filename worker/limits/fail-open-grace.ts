// What an isolate may admit on its own word while a tenant's object cannot
// be reached. Refusing everything would turn a blip of one object into an
// outage for its tenant; admitting everything would let a tenant that can
// make its object unreachable (or waits for a bad minute) spend without
// limit. So each isolate keeps a small allowance per tenant and minute:
// within it requests pass unchecked, beyond it they get a 503 until the
// object answers again. The exposure is bounded by allowance x isolates.
// Pure (the clock is passed in).

/** What may pass per window while the object is unreachable. */
export interface GraceAllowance {
  requests: number;
  /** Of whatever the caller counts (tokens, nano-dollars). */
  units: number;
}

export const GRACE_WINDOW_MS = 60_000;
const MAX_WINDOWS = 10_000;

interface Window {
  start: number;
  requests: number;
  units: number;
}

export class FailOpenGrace {
  private readonly windows = new Map<string, Window>();
  /** For tests and read-outs: requests let through, and refused, while unreachable. */
  readonly counters = { admitted: 0, refused: 0 };

  constructor(private readonly now: () => number = Date.now) {}

  /** Takes one request of `units` from `key`'s allowance for this window, if it fits. */
  take(key: string, units: number, allowance: GraceAllowance): boolean {
    const now = this.now();
    let window = this.windows.get(key);
    if (!window || !(now - window.start < GRACE_WINDOW_MS)) {
      this.windows.delete(key);
      if (this.windows.size >= MAX_WINDOWS) this.windows.delete(this.windows.keys().next().value!);
      window = { start: now, requests: 0, units: 0 };
      this.windows.set(key, window);
    }
    // Written so that NaN or a negative amount never fits.
    const fits = units >= 0 && window.requests + 1 <= allowance.requests && window.units + units <= allowance.units;
    if (!fits) {
      this.counters.refused++;
      return false;
    }
    window.requests++;
    window.units += units;
    this.counters.admitted++;
    return true;
  }

  /** Keys with a window, and the bound (for the isolate read-out). */
  sizes(): { size: number; bound: number } {
    return { size: this.windows.size, bound: MAX_WINDOWS };
  }
}
