// The vocabulary of `model: "auto"` beyond its prompt classes (vocabulary/prompt-classes.ts):
// the features a prompt is classified by, and what the model choice needs to know of each candidate.

/** What the request body says beyond the prompt text (read in JS: no tokenisation needed). */
export interface RequestShape {
  /** Messages in the conversation (1 for a single prompt). */
  depth: number;
  /** The output cap the request set, if any. */
  maxTokens: number | null;
  /** Whether `tools` (or functions) are offered. */
  tools: boolean;
}

/** A candidate model for one request, as the choice sees it. */
export interface ModelOption {
  model: string;
  /** Blended USD per 1M tokens for this request's expected input and output. */
  pricePerM: number;
  /** Expected time to first token from this region, if known. */
  ttftMs: number | null;
  /** Beta posterior of "good enough" for this prompt's class. */
  alpha: number;
  beta: number;
}

/** Why the choice went the way it did, for `x-meridian-route`. */
export interface ModelChoice {
  model: string;
  /** The remaining options, best fallback first. */
  fallbacks: string[];
  /** The sampled quality of the chosen model. */
  quality: number;
  /** Whether the chosen model met the floor, the SLO and the budget (false: the best of those that did not). */
  meetsFloor: boolean;
  reason: string;
}
