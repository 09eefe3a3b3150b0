// How deeply a JSON text nests, found by a scan (no recursion, no parse):
// bodies are checked before `JSON.parse`, so a hostile nesting never reaches
// code that recurses over it (`JSON.stringify`, canonical keys, token counts).

/** Arrays and objects inside each other, at most. Real requests (tool schemas included) stay far below. */
export const MAX_JSON_DEPTH = 64;

/** True if `text` opens more than `max` arrays/objects inside each other (strings are skipped). */
export function nestsDeeperThan(text: string, max: number): boolean {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const ch = text.charCodeAt(i);
    if (inString) {
      if (ch === 0x5c) i++; // backslash: skip the escaped character
      else if (ch === 0x22) inString = false;
    } else if (ch === 0x22) {
      inString = true;
    } else if (ch === 0x5b || ch === 0x7b) {
      if (++depth > max) return true;
    } else if (ch === 0x5d || ch === 0x7d) {
      depth--;
    }
  }
  return false;
}
