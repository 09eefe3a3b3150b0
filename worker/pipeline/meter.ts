// Meter: every answered request yields one usage record with a server-made
// id, from the facts and the outcome (who answered, how, from where); the
// tpm estimate admission charged is settled to the tokens really used.
import { listPrice } from "../billing/list-price";
import { recordUsage } from "../metering/record-usage";
import type { UsageRecord } from "../metering/usage-record";
import { settleCharge, type Admission } from "./admit";
import type { RequestFacts } from "./facts";
import type { Outcome } from "./outcome";

export function meter(facts: RequestFacts, admission: Admission, outcome: Outcome, inputTokens: number, outputTokens: number): void {
  // A cache hit names no origin; it is recorded under the model its entry was stored under.
  const model = outcome.model ?? facts.targets[0]!.model;
  const origin = outcome.call?.origin ?? null;
  const drawn = admission.drawn;
  const usage: UsageRecord = {
    id: crypto.randomUUID(),
    request_id: facts.requestId,
    key_id: facts.caller.keyId,
    model,
    origin,
    region: outcome.call?.region ?? facts.location.region,
    input_tokens: inputTokens,
    output_tokens: outputTokens,
    cache: outcome.cache ?? "bypass",
    stream: facts.stream,
    at: Date.now(),
    list_price: listPrice(facts.origins, origin, model),
    ...(facts.promptClass ? { auto_class: facts.promptClass } : {}),
    ...(drawn ? { hold_id: drawn.leaseId, hold_nanos: drawn.nanos } : {}), // the object settles what it drew with this record
    ...(outcome.entryKey ? { cache_key: outcome.entryKey } : {}), // so a thumbs-down can evict the entry
    ...(outcome.entryKey && outcome.similarity !== null ? { cache_similarity: outcome.similarity } : {}),
  };
  recordUsage(facts.env, facts.tenant, usage, facts.waitUntil);
  settleCharge(facts, admission, inputTokens + outputTokens);
}
