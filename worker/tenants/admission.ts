// The tenant gate on the request path, after validation and rules and before
// any cache or origin work: rate limits (429) and money (402).
import type { Context } from "hono";
import type { AppEnv } from "../app-env";
import { checkFunds, releaseFundsHold } from "../billing/gate";
import type { ForwardableRequest } from "../schemas/openai";
import { enforceRateLimits } from "../limits/rate-limit";

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

/**
 * Lets a request through or throws the OpenAI-shaped 402 / 429. Funds first:
 * a request refused for money must not use up a rate-limit slot.
 */
export async function admit(c: Context<AppEnv>, req: AdmissionRequest): Promise<void> {
  await checkFunds(c, req);
  try {
    await enforceRateLimits(c, req);
  } catch (err) {
    releaseFundsHold(c); // refused after its funds were held: give them back
    throw err;
  }
}
