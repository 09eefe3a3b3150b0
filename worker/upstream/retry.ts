// The retry policy: which origin to try next, when to hedge, and the error
// the client hears when none answers. Each attempt itself is attempt.ts's.
import { ApiError } from "../http/errors";
import type { AnswerUsage } from "../metering/tokens";
import { launch, type Attempt, type AttemptPlan, type Target } from "./attempt";
import { firstAnswer, settledWithin } from "./hedge";
import { serializeBody } from "./request-body";

export interface ForwardPlan extends AttemptPlan {
  targets: readonly Target[];
  body: Record<string, unknown>;
  maxAttempts: number;
  /** Asked when a hedge would start: the tenant's hedge budget. */
  mayHedge: () => boolean;
}

export interface Forwarded {
  response: Response;
  target: Target;
  attempts: Attempt[];
  /** Time to the first byte of the chosen origin's answer (stream: first chunk). */
  ttftMs: number;
  hedged: boolean;
  /** A non-streamed answer's usage, as the attempt read it (null for streams). */
  usage: AnswerUsage | null;
}

/**
 * Tries targets in order until one answers. Everything that can fail before
 * the client sees a byte (connect errors, 5xx, 429, a timeout, an empty
 * stream, a garbled body) moves on to the next target. When the current
 * target is slower than its p95 and the budget allows, the next one is
 * started alongside (a hedge): the first to answer wins and the other is
 * abandoned (see `abandon`). A committed stream is relayed to the end, never spliced.
 */
export async function forward(plan: ForwardPlan, fetcher: typeof fetch = fetch): Promise<Forwarded> {
  const serialized = serializeBody(plan.body);
  const attempts: Attempt[] = [];
  const queue = plan.targets.slice(0, plan.maxAttempts);
  let next = 0;
  let hedged = false;
  // Only the winner's stream end is the request's (a lost race's stream is cancelled).
  let chosen: Target | null = null;
  const winner = () => chosen;
  const choose = (target: Target) => (chosen = target);
  while (next < queue.length && plan.deadline > Date.now() && !plan.signal?.aborted) {
    const racers = [launch(plan, serialized, queue[next++]!, false, fetcher, winner)];
    const hedgeAfter = racers[0]!.target.hedgeAfterMs;
    if (hedgeAfter !== null && next < queue.length) {
      const early = await settledWithin(racers[0]!.result, hedgeAfter);
      if (!early && plan.mayHedge()) {
        racers.push(launch(plan, serialized, queue[next++]!, true, fetcher, winner));
        hedged = true;
      }
    }
    const { won, results } = await firstAnswer(racers, choose);
    attempts.push(...results.map((r) => r.attempt));
    const final = results.find((r) => r.final)?.final;
    if (final && !won) throw final;
    if (won) return { response: won.response!, target: won.target, attempts, ttftMs: won.attempt.ms, hedged, usage: won.usage ?? null };
  }
  throw exhausted(attempts);
}

function exhausted(attempts: Attempt[]): ApiError {
  const tried = attempts.filter((a) => a.outcome !== "cancelled");
  const allTimedOut = tried.length > 0 && tried.every((a) => a.outcome === "timeout");
  if (tried.length > 0 && tried.every((a) => a.status === 413)) {
    return new ApiError(413, "The request is larger than any origin for this model accepts.", "invalid_request_error", "request_too_large", { attempts });
  }
  const summary = attempts.map((a) => `${a.origin}: ${a.status ?? a.outcome} after ${a.ms} ms`).join("; ");
  const message = attempts.length
    ? `No origin could answer (${attempts.length} attempt${attempts.length > 1 ? "s" : ""}: ${summary}).`
    : "No origin could answer before the request deadline.";
  return allTimedOut
    ? new ApiError(504, message, "upstream_error", "upstream_timeout", { attempts })
    : new ApiError(502, message, "upstream_error", "upstream_unavailable", { attempts });
}
