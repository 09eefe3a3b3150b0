// The tenant's seeded belief in a model's quality for a class, from its rules.
import { own } from "../own";
import type { PromptClass } from "../vocabulary/prompt-classes";

/** A class the rules do not mention starts here: better than a coin, short of trusted. */
export const DEFAULT_PRIOR = 0.7;

export function priorQuality(quality: number | Partial<Record<PromptClass, number>> | undefined, cls: PromptClass): number {
  if (quality === undefined) return DEFAULT_PRIOR;
  if (typeof quality === "number") return quality;
  return own(quality, cls) ?? DEFAULT_PRIOR;
}
