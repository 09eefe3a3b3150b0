// Escalation on the send path: when `auto` chose a cheaper model and its
// non-streamed answer looks poor by its own signals (auto/escalate.ts), the
// request goes once more to the stronger model before the client sees
// anything. The cheap call gets its own usage record (two calls, two
// records); the strong answer is what the client, the cache and the request's
// own record get. If the strong call fails, the cheap answer stands.
import { answerSignals, escalationReason } from "../auto/escalate";
import { estimatePromptTokens, estimateTextTokens, answerText } from "../metering/tokens";
import type { RequestFacts } from "./facts";
import { meterExtraCall } from "./meter";
import type { Outcome } from "./outcome";

export async function escalateIfPoor(facts: RequestFacts, cheap: Outcome, callAgain: () => Promise<Outcome>): Promise<Outcome> {
  const esc = facts.escalation;
  if (!esc || facts.stream || cheap.response.status !== 200 || !cheap.call || cheap.model === esc.to) return cheap;
  let answer: unknown;
  try {
    answer = JSON.parse(await cheap.response.clone().text());
  } catch {
    return cheap;
  }
  const signals = answerSignals(answer);
  const body = facts.body as Record<string, unknown>;
  const capped = body.max_tokens != null || body.max_completion_tokens != null;
  const reason = signals && escalationReason(signals, esc.rule, capped);
  if (!reason) return cheap;

  const trail = facts.trail;
  const targets = facts.targets;
  facts.targets = [{ model: esc.to, origins: null }];
  facts.trail = [...trail, `escalated (${reason}) from ${cheap.model}`];
  let strong: Outcome;
  try {
    strong = await callAgain();
  } catch {
    strong = cheap;
  }
  if (strong === cheap || strong.response.status !== 200) {
    facts.targets = targets;
    facts.trail = trail;
    return cheap;
  }
  await cheap.response.body?.cancel(); // read through its clone; nobody reads it now
  const usage = cheap.call.usage;
  meterExtraCall(facts, cheap, usage?.input ?? estimatePromptTokens(body), usage?.output ?? estimateTextTokens(answerText(answer)));
  return strong;
}
