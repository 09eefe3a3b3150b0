// The tenant gate on the request path, after validation and rules and before
// any cache or origin work: rate limits (429) and money (402).
import type { Context } from "hono";
import type { AppEnv } from "../app-env";
import { checkFunds, releaseFundsHold } from "../billing/gate";
import { enforceRateLimits } from "../limits/rate-limit";
import type { AdmissionRequest } from "./admission-request";

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
