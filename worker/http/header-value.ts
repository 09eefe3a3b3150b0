// Response headers that reflect text someone else chose (pins, model names,
// rule names, classes) go through here: a header value may only hold visible
// ASCII, and `Headers.set` throws on anything else, which after an origin has
// answered would turn its answer into a 500.

/** Reflected values are for reading, not for carrying data: longer ones are cut. */
export const MAX_REFLECTED_HEADER = 1024;

const encoder = new TextEncoder();

/** `text` as a safe header value: visible ASCII and spaces kept, every other byte %-escaped, at most `max` characters. */
export function headerValue(text: string, max = MAX_REFLECTED_HEADER): string {
  let out = "";
  for (const ch of text) {
    const code = ch.codePointAt(0)!;
    if (code >= 0x20 && code <= 0x7e && ch !== "%") out += ch;
    else for (const byte of encoder.encode(ch)) out += `%${byte.toString(16).toUpperCase().padStart(2, "0")}`;
    if (out.length > max) return `${out.slice(0, max - 3)}...`;
  }
  return out.trim();
}
