// Meter: every answered request yields one usage record with a server-made
// id, from the facts and the outcome (who answered, how, from where); the
// tpm estimate admission charged is settled to the tokens really used.
import { listPrice } from "../billing/list-price";
import type { AnswerFacts } from "../billing/outcomes";
import { recordUsage } from "../metering/record-usage";
import type { UsageRecord } from "../metering/usage-record";
import { settleCharge, type Admission } from "./admit";
import type { RequestFacts } from "./facts";
import type { Outcome } from "./outcome";

/** `answer`: what the outcome rules' checks found on the answer (answer-check.ts), if it was checked. */
export function meter(facts: RequestFacts, admission: Admission, outcome: Outcome, inputTokens: number, outputTokens: number, answer?: Pick<AnswerFacts, "error_finish" | "schema">): void {
  const drawn = admission.drawn;
  const usage: UsageRecord = {
    ...usageRecord(facts, outcome, inputTokens, outputTokens),
    ...answer,
    ...(drawn ? { hold_id: drawn.leaseId, hold_nanos: drawn.nanos } : {}), // the object settles what it drew with this record
  };
  recordUsage(facts.env, facts.tenant, usage, facts.waitUntil);
  settleCharge(facts, admission, inputTokens + outputTokens);
}

/**
 * An origin call whose answer the client never got (an escalated cheap answer): its own usage
 * record, sent before the request's own (which settles the hold: hold-estimate.ts held both
 * calls), and without `auto_class`, so that a rating of the answer the
 * client did get is credited to the model that gave it.
 */
export function meterExtraCall(facts: RequestFacts, outcome: Outcome, inputTokens: number, outputTokens: number): void {
  const { auto_class: _, ...usage } = usageRecord(facts, outcome, inputTokens, outputTokens, "escalated");
  recordUsage(facts.env, facts.tenant, usage, facts.waitUntil);
}

/**
 * A batch line's record id is its request id (the same on every attempt of the line), so a line
 * answered twice — a retry after a lost answer, a resend after its object restarted — is charged
 * once: the ledger writes an id once. Interactive calls get a fresh id.
 */
function recordId(facts: RequestFacts, part: string): string {
  return facts.batch ? `${facts.requestId}${part ? `:${part}` : ""}` : crypto.randomUUID();
}

function usageRecord(facts: RequestFacts, outcome: Outcome, inputTokens: number, outputTokens: number, part = ""): UsageRecord {
  // A cache hit names no origin; it is recorded under the model its entry was stored under.
  const model = outcome.model ?? facts.targets[0]!.model;
  const origin = outcome.call?.origin ?? null;
  return {
    id: recordId(facts, part),
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
    ...(facts.batch ? { batch: true as const, batch_id: facts.batch } : {}),
    ...(facts.endpoint.generates === false ? { generates: false } : {}),
    ...(outcome.entryKey ? { cache_key: outcome.entryKey } : {}), // so a thumbs-down can evict the entry
    ...(outcome.entryKey && outcome.similarity !== null ? { cache_similarity: outcome.similarity } : {}),
  };
}
