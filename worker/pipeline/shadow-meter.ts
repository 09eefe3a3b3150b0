// The operator's side of a shadow call (worker/cache/shadow.ts): one usage
// record marked `shadow`, which the tenant's object counts towards the
// cache's measured precision and the operator's cost, never the tenant's bill
// or budget. This isolate charges the tenant nothing for it either.
import { listPrice } from "../billing/list-price";
import type { CacheAnswer } from "../cache/lookup-or-send";
import type { ShadowResult } from "../cache/shadow";
import { usageRecorder } from "../metering/report";
import type { UsageRecord } from "../metering/usage-record";
import type { RequestFacts } from "./facts";
import type { OriginCall } from "./outcome";

export function meterShadow(facts: RequestFacts, result: ShadowResult, answer: CacheAnswer<OriginCall>, hit: { similarity: number | null }): void {
  const model = answer.model ?? facts.targets[0]!.model;
  const origin = answer.call?.origin ?? null;
  const verdict = result.verdict;
  const usage: UsageRecord = {
    id: crypto.randomUUID(),
    request_id: facts.requestId,
    key_id: facts.caller.keyId,
    model,
    origin,
    region: answer.call?.region ?? facts.location.region,
    input_tokens: result.input_tokens,
    output_tokens: result.output_tokens,
    cache: "miss",
    stream: facts.stream,
    at: Date.now(),
    list_price: listPrice(facts.origins, origin, model),
    shadow: {
      verdict: verdict === null || verdict.outcome === "unsure" ? "none" : verdict.outcome,
      answer_similarity: verdict ? round(verdict.similarity) : 0,
      hit_similarity: hit.similarity === null ? null : round(hit.similarity),
    },
  };
  usageRecorder(facts.env).add(facts.tenant.id, usage, 0, facts.waitUntil);
}

const round = (x: number): number => Math.round(Math.max(-1, Math.min(1, x)) * 1e6) / 1e6;
