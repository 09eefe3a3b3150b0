// Admit: funds first (402; a request refused for money must not use up a
// rate-limit slot), then rate limits (429). What admission took is this
// request's to settle once its usage is known, or to give back.
import { checkFunds, checksFunds, releaseFunds } from "../billing/gate";
import type { Drawn } from "../billing/funds-lease";
import type { RateLimitView } from "../limits/lease-client";
import { BATCH_POOL_KEY, batchPoolCaller } from "../limits/batch-pool";
import { enforceRateLimits, hasRateLimits, settleTokens, tokenEstimate } from "../limits/rate-limit";
import type { RequestFacts } from "./facts";

/** What admission took from the tenant's funds and limits. */
export interface Admission {
  /** What the rate limits charged, and the limits as this isolate sees them (echoed in `x-ratelimit-*`); null: none counted. */
  readonly rateLimit: RateLimitView | null;
  /** What the request drew from a funds lease (prepaid and hard-budget tenants), until its usage record settles it or it goes back. */
  drawn: Drawn | null;
}

/** Most tenants: no funds to draw, no limits to count. Never changed (nothing to give back). */
const NOTHING_TAKEN: Admission = Object.freeze({ rateLimit: null, drawn: null });

export async function admit(facts: RequestFacts): Promise<Admission> {
  const { env, tenant, waitUntil } = facts;
  const drawn = checksFunds(tenant)
    ? await checkFunds(
        env,
        tenant,
        {
          models: facts.targets.map((t) => t.model),
          escalatesTo: facts.escalation?.to ?? null,
          origins: facts.origins,
          inputTokens: facts.workload.inputTokens,
          body: facts.body,
          generates: facts.endpoint.generates !== false,
          totalTimeoutMs: facts.settings.totalTimeoutMs,
        },
        waitUntil,
      )
    : null;
  let rateLimit: RateLimitView | null = null;
  // A batch line counts against the batch pool only, never the interactive limits.
  const limited = facts.batch ? batchPoolCaller(facts.caller) : facts.caller;
  if (hasRateLimits(limited)) {
    try {
      rateLimit = await enforceRateLimits(env, limited, tokenEstimate(facts.workload));
    } catch (err) {
      if (drawn) releaseFunds(env, tenant.id, drawn, waitUntil); // refused after its funds were drawn: give them back
      throw err;
    }
  }
  return drawn || rateLimit ? { rateLimit, drawn } : NOTHING_TAKEN;
}

/** Corrects the tpm charge to the tokens the request really used. */
export function settleCharge(facts: RequestFacts, admission: Admission, actualTokens: number): void {
  const charged = admission.rateLimit?.tokensCharged;
  if (charged === undefined || charged === 0) return;
  settleTokens(facts.tenant.id, facts.batch ? BATCH_POOL_KEY : facts.caller.keyId, charged, actualTokens);
}

/** The request ends without being billed: its tpm estimate goes back, and what it drew. */
export function giveBack(facts: RequestFacts, admission: Admission): void {
  settleCharge(facts, admission, 0);
  releaseDrawn(facts, admission);
}

/** Gives back what the request drew from its funds lease (once). */
export function releaseDrawn(facts: RequestFacts, admission: Admission): void {
  const drawn = admission.drawn;
  if (!drawn) return;
  admission.drawn = null;
  releaseFunds(facts.env, facts.tenant.id, drawn, facts.waitUntil);
}
