// What the tenant gate is told about a request before it runs. A module of its
// own so the gate (admission.ts) and the checks it runs (rate limits, funds)
// share it without importing each other.
import type { ForwardableRequest } from "../schemas/openai";

/** What the gate knows about a request before it runs. */
export interface AdmissionRequest {
  /** The model the rules chose first (prices are per served model). */
  model: string;
  /** Input tokens, estimated from the body. */
  inputTokens: number;
  /** The output cap the request set, or the routing default. */
  outputTokens: number;
  /** Every model the request may be served by, fallbacks included: funds are held at the dearest. */
  models?: readonly string[];
  /** The request body: funds are held for its whole output cap and every choice it asks for. */
  body?: ForwardableRequest;
  /** False for endpoints that generate no tokens (embeddings). */
  generates?: boolean;
}
