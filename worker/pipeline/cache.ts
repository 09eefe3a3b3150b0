// Cache: for cacheable endpoints, the exact and near-duplicate lookups under
// the model the rules chose, racing the origin call (`send`: route, then
// forward) that identical misses in flight share; see worker/cache/lookup-or-send.ts.
// The tenant's near-duplicate cut comes tightened by its measured precision
// (brought by the rules poll), and sampled hits are verified at the operator's cost.
import { lookupOrSend, type Send } from "../cache/lookup-or-send";
import { tightenedCut } from "../tenants/rules-client";
import type { RequestFacts } from "./facts";
import type { OriginCall, Outcome } from "./outcome";
import { meterShadow } from "./shadow-meter";

export function throughCache(facts: RequestFacts, send: Send<RequestFacts, OriginCall>): Promise<Outcome> {
  return lookupOrSend(facts, facts.rules.cache, facts.targets[0]!.model, send, {
    tightened: tightenedCut(facts.tenant.id),
    onShadow: (result, answer, hit) => meterShadow(facts, result, answer, hit),
  });
}
