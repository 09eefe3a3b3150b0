// What routing assumes a request will cost before it runs: token counts
// guessed from the body, and the prefix key it shares with earlier requests.
// The simulation builds the same Workload shape (sim/policies.ts).
import type { ForwardableRequest } from "../schemas/openai";
import type { Workload } from "./estimate";
import { prefixKey } from "./prefix-key";

/** When a request does not cap its output, routing assumes this many tokens. */
export const DEFAULT_OUTPUT_TOKENS = 256;
/** Estimates never assume more output than this. */
const MAX_ESTIMATED_OUTPUT = 4096;

/** The request's own output cap (chat, completions or responses), or null. */
export function requestedCap(body: ForwardableRequest): number | null {
  const cap = Number(body.max_completion_tokens ?? body.max_tokens ?? body.max_output_tokens ?? NaN);
  return Number.isFinite(cap) && cap > 0 ? cap : null;
}

/** The request's output cap, or the routing default when it sets none (at most 4096 for estimates). */
export function outputCap(body: ForwardableRequest): number {
  return Math.min(requestedCap(body) ?? DEFAULT_OUTPUT_TOKENS, MAX_ESTIMATED_OUTPUT);
}

/**
 * Token counts are guessed from the body size (about four bytes a token) and
 * the output cap; with `tenantId`, the prefix key too (prefix-key.ts).
 */
export function workload(body: ForwardableRequest, bytes: number, stream: boolean, tenantId?: string): Workload {
  const work: Workload = { inputTokens: Math.ceil(bytes / 4), outputTokens: outputCap(body), stream, capped: requestedCap(body) !== null };
  if (tenantId !== undefined) {
    const prefix = prefixKey(body, tenantId);
    work.prefixKey = prefix.key;
    work.prefixTokens = prefix.tokens;
  }
  return work;
}
