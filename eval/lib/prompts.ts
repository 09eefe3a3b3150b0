// Reading the labelled prompt sets of `auto`: data/prompts/classes.jsonl
// ({class, prompt}) and eval/auto-prompts.jsonl (plus good_enough and why).
// Pure functions over text; the caller reads the files.

import { PROMPT_CLASSES, type PromptClass } from "../../worker/vocabulary/prompt-classes";

export type Tier = "small" | "large";

export interface LabelledPrompt {
  class: PromptClass;
  prompt: string;
  /** The cheapest tier a careful engineer would trust with the prompt; null in the training set. */
  goodEnough: Tier | null;
}

export interface PromptsParse {
  prompts: LabelledPrompt[];
  /** One message per line that was skipped, with its 1-based line number. */
  errors: string[];
}

/** One JSON object per line; blank lines are skipped, malformed ones reported. */
export function parseLabelledPrompts(text: string): PromptsParse {
  const prompts: LabelledPrompt[] = [];
  const errors: string[] = [];
  text.split(/\r?\n/).forEach((raw, i) => {
    const line = raw.trim();
    if (line === "") return;
    let o: Record<string, unknown>;
    try {
      o = JSON.parse(line) as Record<string, unknown>;
    } catch {
      errors.push(`line ${i + 1}: not JSON`);
      return;
    }
    if (o === null || typeof o !== "object" || Array.isArray(o)) return void errors.push(`line ${i + 1}: not an object`);
    if (!(PROMPT_CLASSES as readonly unknown[]).includes(o.class)) return void errors.push(`line ${i + 1}: unknown class ${JSON.stringify(o.class)}`);
    if (typeof o.prompt !== "string" || o.prompt === "") return void errors.push(`line ${i + 1}: "prompt" must be a non-empty string`);
    const tier = o.good_enough;
    if (tier !== undefined && tier !== "small" && tier !== "large") return void errors.push(`line ${i + 1}: "good_enough" must be "small" or "large"`);
    prompts.push({ class: o.class as PromptClass, prompt: o.prompt, goodEnough: tier ?? null });
  });
  return { prompts, errors };
}
