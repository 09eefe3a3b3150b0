// Response headers that reflect text someone else chose (pins, model names,
// rule names, classes) go through here: a header value may only hold visible
// ASCII, and `Headers.set` throws on anything else, which after an origin has
// answered would turn its answer into a 500.

/** Reflected values are for reading, not for carrying data: longer ones are cut. */
export const MAX_REFLECTED_HEADER = 1024;

const encoder = new TextEncoder();
/** Nothing to escape: visible ASCII and spaces, no '%'. Most values (ids, routes, model names) are. */
const PLAIN = /^[\x20-\x24\x26-\x7e]*$/;

/** `text` as a safe header value: visible ASCII and spaces kept, every other byte %-escaped, at most `max` characters. */
export function headerValue(text: string, max = MAX_REFLECTED_HEADER): string {
  return text.length <= max && PLAIN.test(text) ? text.trim() : escapedHeaderValue(text, max);
}

/** What `headerValue` gives, worked out one character at a time (exported for its test). */
export function escapedHeaderValue(text: string, max: number): string {
  let out = "";
  for (const ch of text) {
    const code = ch.codePointAt(0)!;
    if (code >= 0x20 && code <= 0x7e && ch !== "%") out += ch;
    else for (const byte of encoder.encode(ch)) out += `%${byte.toString(16).toUpperCase().padStart(2, "0")}`;
    if (out.length > max) return `${out.slice(0, max - 3)}...`;
  }
  return out.trim();
}
