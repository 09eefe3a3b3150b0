// The request path of the OpenAI-compatible endpoints, stage by stage, each
// in its own file beside this one:
//
//   authenticate  authenticate.ts  who is calling (the v1 routes' middleware)
//   read          read.ts          the body, read and validated; the request's facts (facts.ts)
//   rules         rules.ts         the tenant's rules: models to try, policy, `auto`'s choice
//   admit         admit.ts         funds (402), then rate limits (429)
//   cache         cache.ts         an exact or near-duplicate hit, or one shared origin call
//   route         route.ts         the origins to try, in order
//   forward       forward.ts       the attempts at them (worker/upstream)
//   relay         relay.ts         the answer's body to the client
//   meter         meter.ts         one usage record per answer
//
// What happened is the outcome (outcome.ts); headers.ts writes every header
// the router adds, at the end.
import type { Context } from "hono";
import type { AppEnv } from "../app-env";
import { budgetHeader } from "../billing/gate";
import { asApiError } from "../http/errors";
import { giveBack, admit, type Admission } from "./admit";
import { throughCache } from "./cache";
import type { Endpoint, RequestFacts } from "./facts";
import { forwardRequest, originBody } from "./forward";
import { escalateIfPoor } from "./escalate";
import { errorResponse, writeAnswerHeaders } from "./headers";
import type { Outcome } from "./outcome";
import { read } from "./read";
import { relay } from "./relay";
import { route } from "./route";
import { applyRules } from "./rules";

export type { Endpoint } from "./facts";

export async function pipeline(c: Context<AppEnv>, endpoint: Endpoint): Promise<Response> {
  let facts: RequestFacts | null = null;
  let admission: Admission | null = null;
  try {
    facts = await read(c, endpoint);
    await applyRules(facts);
    admission = await admit(facts);
    let outcome: Outcome;
    try {
      outcome = await (endpoint.cacheable ? throughCache(facts, callOrigins) : callOrigins(facts, undefined, true));
    } catch (err) {
      giveBack(facts, admission); // no answer: what admission took goes back
      throw err;
    }
    return await respond(facts, admission, outcome);
  } catch (err) {
    return errorResponse(asApiError(err, c.req.raw), facts, admission);
  }
}

/** The origins' side of the cache (or the whole of an uncached endpoint): route, then forward. */
async function callOrigins(facts: RequestFacts, signal: AbortSignal | undefined, direct: boolean): Promise<Outcome> {
  const call = () => forwardRequest(facts, originBody(facts), route(facts), signal, direct);
  // `auto`'s cheap answer that looks poor is retried on the stronger model (escalate.ts).
  return facts.escalation ? escalateIfPoor(facts, await call(), call) : call();
}

/** An answer on its way out: relayed and metered when it is a 200 (else not billed), then its headers. */
async function respond(facts: RequestFacts, admission: Admission, outcome: Outcome): Promise<Response> {
  if (outcome.response.status !== 200) {
    giveBack(facts, admission);
    writeAnswerHeaders(outcome.response.headers, facts, admission, outcome, null);
    return outcome.response;
  }
  // Read before this answer's own usage is recorded.
  const budget = budgetHeader(facts.env, facts.tenant);
  const response = await relay(facts, admission, outcome);
  writeAnswerHeaders(response.headers, facts, admission, outcome, budget);
  return response;
}
