// The fixed rule that splits every labelled prompt set of `auto` into a
// tuning part and a held-out part (pure). Decided by the prompt's text, not
// its row number, so a prompt that occurs twice (MMLU repeats 105 texts) lands
// on one side only; the salt names the rule, so changing it is a visible edit.
// The hash is FNV-1a finished with murmur3's avalanche (FNV-1a's own low bit
// is only the parity of the characters' low bits), as prefix affinity uses.

import { hashString } from "../../worker/routing/affinity";

export type Split = "tuning" | "held-out";

const SALT = "meridian/auto-split/v1";

/** A well-mixed bit of a salted text: 0 or 1. */
export function hashBit(salt: string, text: string): number {
  return hashString(salt + "\u0000" + text.trim().replace(/\s+/g, " ")) >>> 31;
}

/** Half and half, by the prompt with its whitespace collapsed. */
export function splitOf(prompt: string): Split {
  return hashBit(SALT, prompt) === 0 ? "tuning" : "held-out";
}
