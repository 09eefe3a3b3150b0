// Relay: the answer's body on its way to the client, and the moment it is
// metered. A stream relayed straight from an origin is metered by that relay
// at its end (one stream layer, not two); any other stream (a cache replay, a
// shared or recorded answer) by a tap at its end; a JSON answer at once, from
// the usage the attempt already read, else from its body. A cancelled stream
// is billed for what was delivered, a broken one only if it delivered anything.
import { answerText, estimatePromptTokens, estimateTextTokens, reportedUsage } from "../metering/tokens";
import { asksForUsage } from "../metering/relay-meter";
import { tapStream } from "../metering/stream-tap";
import { answerCheckPlan, checkJsonAnswer, StreamAnswer } from "../metering/answer-check";
import { releaseDrawn, type Admission } from "./admit";
import type { RequestFacts } from "./facts";
import { meter } from "./meter";
import type { Outcome } from "./outcome";

/** The response that carries a 200 answer's body to the client, metered as described above. */
export async function relay(facts: RequestFacts, admission: Admission, outcome: Outcome): Promise<Response> {
  const response = outcome.response;
  const body = facts.body;
  // Outcome rules of the tenant's price list that look at the answer (forward.ts then leaves streams to the tap).
  const plan = answerCheckPlan(facts.tenant, body);
  if (facts.stream) {
    const relayMeter = outcome.call?.relayMeter;
    if (relayMeter?.meters(response)) {
      relayMeter.onEnd((end) => {
        if (!end.ok && end.contentEvents === 0) return releaseDrawn(facts, admission); // broke off before any text: nothing to bill
        meter(facts, admission, outcome, end.promptTokens ?? estimatePromptTokens(body), end.outputTokens);
      });
      return response;
    }
    if (response.body) {
      const answer = plan ? new StreamAnswer(plan) : undefined;
      const tapped = tapStream(response.body, !asksForUsage(body), (counted, ending) => {
        if (ending === "failed" && counted.contentEvents === 0) return releaseDrawn(facts, admission);
        meter(facts, admission, outcome, counted.promptTokens ?? estimatePromptTokens(body), counted.outputTokens(), answer?.result(ending === "failed"));
      }, answer);
      return new Response(tapped, { status: response.status, headers: response.headers });
    }
  }

  // The request's own origin call read the usage already (a coalesced one's body is its leader's, re-read here).
  const usage = outcome.cache === "coalesced" ? null : outcome.call?.usage;
  if (usage && !plan) {
    meter(facts, admission, outcome, usage.input ?? estimatePromptTokens(body), usage.output);
    return response;
  }
  const text = await response.text();
  const answer = parseJson(text);
  const reported = reportedUsage(answer);
  const output = usage?.output ?? reported.output ?? estimateTextTokens(answerText(answer));
  meter(facts, admission, outcome, usage?.input ?? reported.input ?? estimatePromptTokens(body), output, plan ? checkJsonAnswer(plan, answer) : undefined);
  return new Response(text, { status: response.status, headers: response.headers });
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return null;
  }
}
