// The most a request may cost, held against a prepaid balance or a hard
// budget while it runs: its estimated input plus its whole output cap for
// every choice it asks for, at the dearest price any of its targets may be
// served at. Pure.
import type { Origin } from "../schemas/admin";
import type { Agreement, ModelPrice, Pricing } from "../schemas/billing";
import { agreementMaxFactor } from "./agreement";
import type { ForwardableRequest } from "../schemas/openai";
import { charge } from "./pricing";

/**
 * The output a request without a cap of its own is held for, per choice. No
 * origin states its models' limits, so this is a round upper bound on a
 * typical answer; a client that needs less held sets max_tokens.
 */
export const DEFAULT_HOLD_OUTPUT_TOKENS = 4_096;

export interface HoldEstimateInput {
  pricing: Pricing | undefined;
  /** A committed-spend agreement: the hold assumes its dearest rate (overage can cost more than list). */
  agreement?: Agreement | null | undefined;
  origins: readonly Origin[];
  /** Every model the request may be served by (the rules' targets, fallbacks included). */
  models: readonly string[];
  /** A model a poor answer may be retried on (`auto`'s escalation): both calls are billed, so both are held. */
  escalatesTo?: string | null | undefined;
  /** Input tokens, estimated from the body. */
  inputTokens: number;
  body: Pick<ForwardableRequest, "max_tokens" | "max_completion_tokens"> & Record<string, unknown>;
  /** False for endpoints that generate nothing (embeddings): only the input is held. */
  generates: boolean;
  /** The tenant's tokens this month so far: picks the volume tier. */
  monthTokens: number;
}

/** The output tokens a request may generate: its cap (chat, completions or Responses) times its choices. */
export function maxOutputTokens(body: HoldEstimateInput["body"]): number {
  const cap = positive(body.max_completion_tokens) ?? positive(body.max_tokens) ?? positive(body.max_output_tokens) ?? DEFAULT_HOLD_OUTPUT_TOKENS;
  const choices = Math.max(positive(body.n) ?? 1, positive(body.best_of) ?? 1);
  return cap * choices;
}

export function holdEstimateNanos(input: HoldEstimateInput): number {
  const outputTokens = input.generates ? maxOutputTokens(input.body) : 0;
  let most = 0;
  for (const model of input.models) {
    const costNanos = callCost(input, model, outputTokens);
    // NaN must win here too, so that the gate refuses it.
    if (!(costNanos <= most)) most = costNanos;
  }
  if (input.escalatesTo) most += callCost(input, input.escalatesTo, outputTokens);
  // Rounded up: a hold is never a nano-dollar short of what the request can be charged.
  const factor = agreementMaxFactor(input.agreement);
  return factor === 1 ? most : Math.ceil(most * factor);
}

/**
 * The dearest input and the dearest output price among the origins serving a
 * model: a bound on what any of them charges, whichever serves the request.
 */
export function dearestListPrice(origins: readonly Origin[], model: string): ModelPrice | null {
  let dearest: ModelPrice | null = null;
  for (const origin of origins) {
    if (!Object.hasOwn(origin.models, model)) continue;
    const p = origin.price;
    dearest = dearest ? { input_per_m: Math.max(dearest.input_per_m, p.input_per_m), output_per_m: Math.max(dearest.output_per_m, p.output_per_m) } : p;
  }
  return dearest;
}

function positive(value: unknown): number | null {
  return typeof value === "number" && Number.isSafeInteger(value) && value > 0 ? value : null;
}

function callCost(input: HoldEstimateInput, model: string, outputTokens: number): number {
  return charge({
    pricing: input.pricing,
    model,
    listPrice: dearestListPrice(input.origins, model),
    inputTokens: input.inputTokens,
    outputTokens,
    cacheHit: false,
    monthTokens: input.monthTokens,
  }).costNanos;
}
