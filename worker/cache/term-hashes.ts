// The hashes a term is known by, shared by the vocabulary (wasm/embeddings.bin),
// the marker keywords (./markers.ts) and both fingerprint implementations: the
// wasm computes the same two hashes while it tokenises, so a lookup needs no
// string. Format and rationale: wasm/EMBEDDINGS.md, "Hashes".

export const FNV_OFFSET = 0x811c9dc5 | 0;
export const FNV_PRIME = 0x01000193;
export const H2_SEED = 0x9747b28c | 0;
export const H2_MUL = 0x5bd1e995 | 0;

/** MurmurHash3's 32-bit finaliser. */
export function fmix32(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h | 0;
}

/** The two hashes of a term's bytes: [FNV-1a 32 (table slot), probe check]. Both int32. */
export function termHashes(bytes: Uint8Array): [number, number] {
  let h1 = FNV_OFFSET;
  let h2 = H2_SEED;
  for (let i = 0; i < bytes.length; i++) {
    const b = bytes[i]!;
    h1 = Math.imul(h1 ^ b, FNV_PRIME);
    h2 = Math.imul(h2 ^ b, H2_MUL);
    h2 ^= h2 >>> 15;
  }
  return [h1, fmix32(h2)];
}

/** An ordered combination of two hashes (order items of the salient set; two-word keywords). */
export function pairHash(a: number, b: number): number {
  return fmix32(a ^ Math.imul((b << 15) | (b >>> 17), 0x1b873593));
}
