// What routing assumes a request will cost before it runs: token counts
// guessed from the body, shared with the simulation (sim/policies.ts).
import type { ForwardableRequest } from "../schemas/openai";
import type { Workload } from "./estimate";

/** When a request does not cap its output, routing assumes this many tokens. */
export const DEFAULT_OUTPUT_TOKENS = 256;

/** The request's output cap, or the routing default when it sets none (at most 4096 for estimates). */
export function outputCap(body: ForwardableRequest): number {
  const cap = Number(body.max_completion_tokens ?? body.max_tokens ?? DEFAULT_OUTPUT_TOKENS);
  return Math.min(Number.isFinite(cap) && cap > 0 ? cap : DEFAULT_OUTPUT_TOKENS, 4096);
}

/** Token counts are guessed from the body size (about four bytes a token) and the output cap. */
export function workload(body: ForwardableRequest, bytes: number, stream: boolean): Workload {
  return { inputTokens: Math.ceil(bytes / 4), outputTokens: outputCap(body), stream };
}
