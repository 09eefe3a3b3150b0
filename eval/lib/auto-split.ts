// The fixed rule that splits every labelled prompt set of `auto` into a
// tuning part and a held-out part (pure). Decided by the prompt's text, not
// its row number, so a prompt that occurs twice (MMLU repeats 105 texts) lands
// on one side only; the salt names the rule, so changing it is a visible edit.

export type Split = "tuning" | "held-out";

const SALT = "meridian/auto-split/v1";

/** FNV-1a, 32-bit, over UTF-16 code units: stable across runtimes. */
export function fnv1a(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h >>> 0;
}

/**
 * Murmur3's finaliser: FNV-1a's low bit is only the parity of the characters'
 * low bits, so a bit is taken after every input bit has been mixed in.
 */
export function mix32(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/** A well-mixed bit of a salted text: 0 or 1. */
export function hashBit(salt: string, text: string): number {
  return mix32(fnv1a(salt + "\u0000" + text.trim().replace(/\s+/g, " "))) >>> 31;
}

/** Half and half, by the prompt with its whitespace collapsed. */
export function splitOf(prompt: string): Split {
  return hashBit(SALT, prompt) === 0 ? "tuning" : "held-out";
}
