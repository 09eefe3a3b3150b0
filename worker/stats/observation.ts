/** What an isolate learned from one attempt at one origin, sent to its region's stats. */
export interface Observation {
  origin: string;
  model: string;
  /** When the attempt started (ms since epoch). */
  at: number;
  ok: boolean;
  status?: number;
  /** Time to the first token (streams) or an estimate of it (see `ttftEstimate`). */
  ttftMs?: number;
  /** Time to the end of the answer. */
  totalMs?: number;
  outputTokens?: number;
  /** From a 429/503 `Retry-After`. */
  retryAfterMs?: number;
  /**
   * The attempt was abandoned before its first byte (a non-streamed hedge
   * loser, or a request the client no longer needs): `ttftMs` is only a lower
   * bound, and the attempt says nothing about the origin's health. A streamed
   * hedge loser is watched to its first byte or timeout instead (forward.ts).
   */
  censored?: true;
}

/**
 * A non-streamed answer arrives whole, so its time to first token is unseen:
 * estimate it as the total less the decoding time the origin is known for.
 */
export function ttftEstimate(totalMs: number, outputTokens: number, tpotMs: number | null): number {
  if (tpotMs === null || outputTokens <= 1) return totalMs;
  return Math.max(1, totalMs - (outputTokens - 1) * tpotMs);
}

/** Parses `Retry-After` (seconds or an HTTP date) into milliseconds from `now`. */
export function retryAfterMs(header: string | null, now: number): number {
  if (!header) return 0;
  const seconds = Number(header);
  if (Number.isFinite(seconds)) return Math.max(0, Math.min(seconds, 3600)) * 1000;
  const date = Date.parse(header);
  return Number.isFinite(date) ? Math.max(0, Math.min(date - now, 3_600_000)) : 0;
}
