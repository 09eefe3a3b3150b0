// Outcome-based charges, pure: which answers a tenant's price list says are
// not charged. The meter checks the answer (worker/metering/answer-check.ts)
// and puts what it found on the usage record; the tenant's object decides
// with this, so a change of price list applies to records not charged yet.
import type { OutcomeRules } from "../schemas/billing";

/** Why an answer was not charged. */
export type Waiver = "zero_completion" | "error_finish" | "schema_invalid";

/** What the meter found on the answer (fields of the usage record). */
export interface AnswerFacts {
  output_tokens: number;
  /** False for endpoints that generate no tokens (embeddings): none is not a failure there. */
  generates?: boolean | undefined;
  /** The answer ended with an error: `finish_reason: "error"`, or an error event mid-stream. */
  error_finish?: boolean | undefined;
  /** Set when the request asked for a strict `json_schema`: whether the answer follows it. */
  schema?: "valid" | "invalid" | "unchecked" | undefined;
}

export function outcomeWaiver(rules: OutcomeRules | undefined, answer: AnswerFacts): Waiver | null {
  if (!rules) return null;
  if (rules.zero_completion) {
    if (answer.generates !== false && !(answer.output_tokens > 0)) return "zero_completion";
    if (answer.error_finish === true) return "error_finish";
  }
  // "unchecked" (a schema outside the subset, or too much work) is charged: never waive on a guess.
  if (rules.structured_outputs && answer.schema === "invalid") return "schema_invalid";
  return null;
}
