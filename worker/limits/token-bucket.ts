// A per-minute limit as a token bucket: it holds at most `limit` tokens and
// refills at limit/60 per second, so any minute admits at most one full bucket
// plus what refills during it. The level may go below zero: that is debt
// (tokens used beyond what was taken up front), paid off by the refill.
// Time is passed in, never read, so the bucket is pure and testable.

const MS_PER_MINUTE = 60_000;

export class TokenBucket {
  private level: number;
  private at: number;

  /** A new bucket starts full. */
  constructor(
    private limit: number,
    now: number,
  ) {
    this.level = limit;
    this.at = now;
  }

  get capacity(): number {
    return this.limit;
  }

  /** What the bucket holds at `now` (negative while in debt). */
  available(now: number): number {
    this.refill(now);
    return this.level;
  }

  /** Takes `amount` whatever the level: the caller checked `available` first, or is recording debt. */
  take(amount: number, now: number): void {
    this.refill(now);
    this.level -= amount;
  }

  /** Gives back tokens taken earlier and not used; never above capacity. */
  give(amount: number, now: number): void {
    this.refill(now);
    this.level = Math.min(this.limit, this.level + amount);
  }

  /** Milliseconds until the bucket holds `amount` (0 if it does now; `amount` is at most the capacity). */
  msUntil(amount: number, now: number): number {
    const missing = Math.min(amount, this.limit) - this.available(now);
    return missing <= 0 ? 0 : Math.ceil((missing * MS_PER_MINUTE) / this.limit);
  }

  /**
   * Moves to a new limit keeping what was used this minute: raising the limit
   * frees the difference at once, lowering it may leave the bucket in debt.
   */
  resize(limit: number, now: number): void {
    if (limit === this.limit) return;
    this.refill(now);
    this.level = Math.min(limit, this.level + limit - this.limit);
    this.limit = limit;
  }

  private refill(now: number): void {
    if (now <= this.at) return;
    this.level = Math.min(this.limit, this.level + ((now - this.at) * this.limit) / MS_PER_MINUTE);
    this.at = now;
  }
}
