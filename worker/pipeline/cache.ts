// Cache: for cacheable endpoints, the exact and near-duplicate lookups under
// the model the rules chose, racing the origin call (`send`: route, then
// forward) that identical misses in flight share; see worker/cache/lookup-or-send.ts.
import { lookupOrSend, type Send } from "../cache/lookup-or-send";
import type { RequestFacts } from "./facts";
import type { OriginCall, Outcome } from "./outcome";

export function throughCache(facts: RequestFacts, send: Send<RequestFacts, OriginCall>): Promise<Outcome> {
  return lookupOrSend(facts, facts.rules.cache, facts.targets[0]!.model, send);
}
