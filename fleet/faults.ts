// Fault injection settings for an origin, plus the deterministic decision of
// which requests fail. No Math.random: a test that sets errorRate 0.25 gets
// exactly every 4th request failing, on every run.

export interface Faults {
  /** Fraction (0..1) of requests answered with a 500 JSON error, spread evenly. */
  errorRate: number;
  /** Accept the request and never send headers. */
  hang: boolean;
  /** Streaming: destroy the socket after N content chunks; non-streaming: cut the body short. */
  dropAfterTokens: number | null;
  /** Answer 429 with a Retry-After header. */
  status429: { retryAfterSeconds: number } | null;
  /** Destroy the socket as soon as the request arrives. */
  reset: boolean;
  /** Invalid JSON body (non-streaming) or a malformed SSE event (streaming). */
  malformed: boolean;
  /** Answers that look poor by their own signals (for `auto`'s escalation): a refusal, or text cut off with finish_reason "length". */
  answer: AnswerFault | null;
}

export type AnswerFault = "refusal" | "truncated";

export const NO_FAULTS: Readonly<Faults> = Object.freeze({
  errorRate: 0,
  hang: false,
  dropAfterTokens: null,
  status429: null,
  reset: false,
  malformed: false,
  answer: null,
});

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

/**
 * Validate an untrusted partial Faults (e.g. a POST /_fleet/faults body).
 * Returns the partial, or an error message.
 */
export function parseFaults(v: unknown): Partial<Faults> | string {
  if (!isRecord(v)) return "faults must be a JSON object";
  const out: Partial<Faults> = {};
  for (const [k, x] of Object.entries(v)) {
    switch (k) {
      case "errorRate":
        if (typeof x !== "number" || !(x >= 0 && x <= 1)) return "errorRate must be a number in [0, 1]";
        out.errorRate = x;
        break;
      case "hang":
      case "reset":
      case "malformed":
        if (typeof x !== "boolean") return `${k} must be a boolean`;
        out[k] = x;
        break;
      case "dropAfterTokens":
        if (x !== null && !(typeof x === "number" && Number.isInteger(x) && x >= 0)) {
          return "dropAfterTokens must be null or an integer >= 0";
        }
        out.dropAfterTokens = x;
        break;
      case "answer":
        if (x !== null && x !== "refusal" && x !== "truncated") return 'answer must be null, "refusal" or "truncated"';
        out.answer = x;
        break;
      case "status429": {
        if (x === null) {
          out.status429 = null;
          break;
        }
        const s = isRecord(x) ? x.retryAfterSeconds : undefined;
        if (typeof s !== "number" || !(s >= 0)) return "status429 must be null or { retryAfterSeconds: number >= 0 }";
        out.status429 = { retryAfterSeconds: s };
        break;
      }
      default:
        return `unknown fault: ${k}`;
    }
  }
  return out;
}

/**
 * Evenly spread error decisions: request n (0-based) fails when
 * floor((n+1)·rate) > floor(n·rate). rate 0.5 → every 2nd, 0.25 → every
 * 4th, 1 → all. Resetting (on a new rate) restarts the pattern.
 */
export class ErrorPattern {
  private n = 0;
  constructor(private rate: number) {}

  setRate(rate: number): void {
    this.rate = rate;
    this.n = 0;
  }

  next(): boolean {
    const n = this.n++;
    const r = this.rate;
    if (r <= 0) return false;
    if (r >= 1) return true;
    // Small epsilon so that e.g. rate 0.1 hits exactly every 10th request.
    return Math.floor((n + 1) * r + 1e-9) > Math.floor(n * r + 1e-9);
  }
}
