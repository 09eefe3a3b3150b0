// LSH bands over the 64-bit SimHash (pure). Each band is a KV key listing a few
// recent entry ids; a stored prompt is a candidate when it shares at least one
// band with the incoming one, and is then verified (similarity.ts).
//
// 8 bands of 8 bits: two prompts at cosine c agree on a bit with probability
// p = 1 - acos(c)/pi, on a band with p^8 and meet in at least one band with
// 1 - (1 - p^8)^8. At the hit threshold (c = 0.9, p = 0.856) that is 0.93; at
// c = 0.95, 0.99; for unrelated prompts (c ~ 0.2, p = 0.56), 0.08. Four bands of
// 16 bits would meet at c = 0.9 only 29% of the time: most hits would be lost
// before verification. Measured figures: wasm/EMBEDDINGS.md.

/** Bands per signature. */
export const BANDS = 8;
/** Bits per band (BANDS * BAND_BITS = 64). */
export const BAND_BITS = 64 / BANDS;

const HEX_DIGITS = Math.ceil(BAND_BITS / 4);

/** Band keys "b<band>:<bits as hex>", band 0 = the low bits of signature[1]. */
export function bands(signature: [number, number]): string[] {
  const [hi, lo] = signature;
  const out: string[] = [];
  const mask = BAND_BITS >= 32 ? 0xffffffff : (1 << BAND_BITS) - 1;
  for (let b = 0; b < BANDS; b++) {
    const start = b * BAND_BITS;
    let bits: number;
    if (start + BAND_BITS <= 32) bits = (lo >>> start) & mask;
    else if (start >= 32) bits = (hi >>> (start - 32)) & mask;
    else bits = ((lo >>> start) | (hi << (32 - start))) & mask; // straddles the halves
    out.push(`b${b}:${(bits >>> 0).toString(16).padStart(HEX_DIGITS, "0")}`);
  }
  return out;
}
