// Escalation (pure): whether a cheap model's non-streamed answer looks poor
// by its own signals, so `auto` retries it on the strong model before the
// client sees it (FrugalGPT's cascade, with signals the answer already
// carries instead of a trained scorer). Three signals, each cheap to read:
// - refusal: the answer opens by declining ("I'm sorry, but I can't …") or is
//   empty without tool calls;
// - truncation: finish_reason "length" although the request set no output cap
//   (a cap the client chose would cut the strong model's answer as well);
// - low confidence: the mean token log-probability under the tenant's cut,
//   only when the origin returned `logprobs` (the router never asks for them).

export interface EscalationRule {
  on: boolean;
  /** Escalate when the mean token log-probability is below this; null: not used. */
  minMeanLogprob: number | null;
}

/** On, with refusal and truncation only: the log-probability cut cannot be measured offline (docs/auto.md). */
export const DEFAULT_ESCALATION: Readonly<EscalationRule> = Object.freeze({ on: true, minMeanLogprob: null });

export type EscalationReason = "refusal" | "empty" | "truncated" | "low_logprob";

export interface AnswerSignals {
  text: string;
  finishReason: string | null;
  /** Mean of the returned token log-probabilities; null when none came back. */
  meanLogprob: number | null;
  toolCalls: boolean;
}

type Json = Record<string, unknown>;
const isObject = (v: unknown): v is Json => typeof v === "object" && v !== null && !Array.isArray(v);

/** The first choice's signals of a chat or text completion body; null when it is neither (or has no choice). */
export function answerSignals(answer: unknown): AnswerSignals | null {
  if (!isObject(answer) || !Array.isArray(answer.choices) || !isObject(answer.choices[0])) return null;
  const choice = answer.choices[0];
  const message = isObject(choice.message) ? choice.message : null;
  const text = typeof message?.content === "string" ? message.content : typeof choice.text === "string" ? choice.text : "";
  const toolCalls = Array.isArray(message?.tool_calls) && message.tool_calls.length > 0;
  return {
    text,
    finishReason: typeof choice.finish_reason === "string" ? choice.finish_reason : null,
    meanLogprob: meanLogprob(choice.logprobs),
    toolCalls,
  };
}

/** Chat: logprobs.content[].logprob; completions: logprobs.token_logprobs[]. Non-finite values are skipped. */
function meanLogprob(logprobs: unknown): number | null {
  if (!isObject(logprobs)) return null;
  let sum = 0;
  let n = 0;
  const add = (x: unknown) => {
    if (typeof x === "number" && Number.isFinite(x) && x <= 0) {
      sum += x;
      n++;
    }
  };
  if (Array.isArray(logprobs.content)) for (const t of logprobs.content) if (isObject(t)) add(t.logprob);
  if (Array.isArray(logprobs.token_logprobs)) for (const x of logprobs.token_logprobs) add(x);
  return n > 0 ? sum / n : null;
}

// Openings of a refusal, after lower-casing and straightening apostrophes.
const REFUSALS: readonly RegExp[] = [
  /^(?:i'm|i am|i’m)? ?sorry,? (?:but )?(?:i|as an ai)\b.{0,40}\b(?:can't|cannot|can not|unable|won't|will not|not able)\b/,
  /^(?:unfortunately,? )?i (?:can't|cannot|can not|won't|will not|am unable to|'m unable to|am not able to|'m not able to) (?:help|assist|provide|comply|do that|answer|fulfil|fulfill|support|create|write|complete)/,
  /^as an ai(?: language model| assistant)?,? i (?:can't|cannot|can not|am unable|don't|do not|am not able)/,
  /^i (?:must|have to) (?:decline|refuse)/,
];

export function looksLikeRefusal(text: string): boolean {
  const head = text.slice(0, 200).trim().toLowerCase().replace(/[‘’`]/g, "'").replace(/\s+/g, " ");
  return REFUSALS.some((r) => r.test(head));
}

/**
 * Why the answer should go to the strong model, or null. `capped`: the
 * request set max_tokens / max_completion_tokens itself.
 */
export function escalationReason(signals: AnswerSignals, rule: EscalationRule, capped: boolean): EscalationReason | null {
  if (!rule.on) return null;
  if (signals.text.trim() === "" && !signals.toolCalls) return "empty";
  if (looksLikeRefusal(signals.text)) return "refusal";
  if (signals.finishReason === "length" && !capped) return "truncated";
  if (rule.minMeanLogprob !== null && signals.meanLogprob !== null && signals.meanLogprob < rule.minMeanLogprob) return "low_logprob";
  return null;
}
