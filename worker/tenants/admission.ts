// The tenant gate on the request path, after validation and rules and before
// any cache or origin work: rate limits (429) and money (402).
import type { Context } from "hono";
import type { AppEnv } from "../app-env";

/** What the gate knows about a request before it runs. */
export interface AdmissionRequest {
  /** The model the rules chose first (prices are per served model). */
  model: string;
  /** Input tokens, estimated from the body. */
  inputTokens: number;
  /** The output cap the request set, or the routing default. */
  outputTokens: number;
}

/** Lets a request through or throws the OpenAI-shaped 429 / 402. */
export async function admit(_c: Context<AppEnv>, _req: AdmissionRequest): Promise<void> {
  // Rate limits (worker/limits) and funds (worker/billing) plug in here.
}
