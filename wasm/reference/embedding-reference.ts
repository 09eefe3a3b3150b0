// The prompt fingerprint in plain TypeScript: the specification that
// wasm/assembly/fingerprint.ts implements, step for step and in the same
// float32 operation order, so that both produce identical signatures and
// salient sets and vectors equal to the bit. Used by tests, benchmarks and Node
// scripts (scripts/build-embeddings.ts takes its hashes and format from here);
// the worker itself uses the wasm (worker/cache/embedder.ts).
//
// Algorithm (one pass over the UTF-8 bytes of the first MAX_INPUT_BYTES):
// - Tokens: runs of ASCII letters (lowercased), digits and non-ASCII characters
//   (except Unicode punctuation/symbol ranges, see isSeparator). An apostrophe
//   (' or U+2019) between a token and an ASCII letter is kept ("o'neill"); "." and
//   "," between two digits are kept ("1,000.5"), so is a "%" right after a digit
//   (it ends the token), and a "-" right before a digit that does not follow a
//   token ("-5"). Everything else separates.
// - Terms: a token's clitic "'s 're 'll 've 'd 'm" is dropped ("france's" -> "france");
//   "n't" forms are negations and are not looked up; tokens with a digit are numbers
//   and are not looked up.
// - Embedding: sum over known terms of sif_weight * scale * int8 vector (float32),
//   minus its projection on the vocabulary's first principal component, normalised.
// - SimHash: sign of the dot product with 64 fixed pseudo-random hyperplanes.
// - Salient items (see worker/cache/fingerprint.ts): numbers; words that are out of vocabulary,
//   flagged rare (index >= rareRank) or always-salient, or capitalised and not first in
//   their sentence (after . ! ? or a newline; named-entity proxy; not "I", and an all-caps word only after a word
//   with lowercase letters, so SHOUTED text has no entities); negations, counted. A word
//   flagged direction ("to", "into", "than", "by", ...) between two salient items (one
//   article allowed after it) adds the ordered pair: "Celsius to Fahrenheit" !=
//   "Fahrenheit to Celsius". Salient words fold a plural "-s"/"-sses" ("pumps" = "pump").
//   Code/math symbols (SYMBOLS) present in the text are salient items too.
// - Markers: counts of code, maths, extraction and summary evidence, non-ASCII
//   characters and newlines, by the rules in worker/cache/markers.ts (keywords probed with the
//   term hashes above; not part of the cache's comparison).

import type { MarkedFingerprint } from "../../worker/cache/fingerprint";
import {
  KIND_CODE,
  KIND_MATH,
  MARKER_BYTES,
  STARTS_PAIR,
  entryKind,
  isArithmetic,
  isCodePair,
  isIdentifierUnderscore,
  isIndentedLine,
  isMathCodePoint,
  isOperator,
  keywordEntry,
  keywordTable,
} from "../../worker/cache/markers";
import { wordSketch } from "../../worker/cache/word-sketch";
import { FNV_OFFSET, FNV_PRIME, H2_MUL, H2_SEED, fmix32, pairHash } from "../../worker/cache/term-hashes";

// ---- format of wasm/embeddings.bin (little-endian) --------------------------

export const MAGIC = 0x4544524d; // "MRDE"
export const FORMAT_VERSION = 1;
export const HEADER_BYTES = 64;
export const DIMS = 100;
export const MAX_INPUT_BYTES = 1 << 20;
/** Header fields: byte offsets of u32 values (sifA is an f32). */
export const H = {
  magic: 0,
  version: 4,
  dims: 8,
  count: 12,
  slots: 16,
  rareRank: 20, // informational: FLAG_RARE is set on words of index >= rareRank
  offChecks: 24, // u32[slots]  fmix32(h2(term)) of the word in that slot
  offIndices: 28, // u16[slots]  word index + 1, 0 = empty slot
  offScales: 32, // f32[count]  int8 -> float scale per word
  offWeights: 36, // f32[count]  SIF weight a / (a + p(w))
  offFlags: 40, // u8[count]    FLAG_* bits
  offPc: 44, // f32[dims]    first principal component (unit)
  offVectors: 48, // i8[count * dims] (+16 bytes of zero padding)
  totalBytes: 52,
  sifA: 56, // f32 (informational)
  zipfN: 60, // u32 (informational)
} as const;

export const FLAG_NEGATION = 1;
export const FLAG_SALIENT = 2;
export const FLAG_NOT_ENTITY = 4;
export const FLAG_RARE = 8;
export const FLAG_DIRECTION = 16;
export const FLAG_ARTICLE = 32;

export const PLANES = 64;
export const SIMHASH_SEED = 0x6d657269;

// Salient item tags.
const TAG_NUMBER = 1;
const TAG_WORD = 2;
const TAG_NEGATION = 3;
const TAG_ORDER = 4;
const TAG_SYMBOL = 5;

// ---- hashes (shared with the build script and the wasm: worker/cache/term-hashes.ts) ----

export { FNV_OFFSET, FNV_PRIME, H2_MUL, H2_SEED, fmix32, termHashes } from "../../worker/cache/term-hashes";

function mix(h: number, tag: number): number {
  return fmix32((h + Math.imul(tag, 0x9e3779b9 | 0)) | 0);
}

/** mulberry32, the hyperplane generator. */
function makeRng(seed: number): () => number {
  let s = seed | 0;
  return () => {
    s = (s + 0x6d2b79f5) | 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= (t + Math.imul(t ^ (t >>> 7), t | 61)) | 0;
    return (t ^ (t >>> 14)) >>> 0;
  };
}

/** 64 x 100 hyperplane components: Irwin-Hall(4) integers in [-131070, 131070], exact in float32. */
export function hyperplanes(): Float32Array {
  const next = makeRng(SIMHASH_SEED);
  const planes = new Float32Array(PLANES * DIMS);
  for (let i = 0; i < planes.length; i++) {
    planes[i] = (next() >>> 16) + (next() >>> 16) + (next() >>> 16) + (next() >>> 16) - 131070;
  }
  return planes;
}

// ---- the table ----------------------------------------------------------------

export interface EmbeddingTable {
  count: number;
  slots: number;
  mask: number;
  rareRank: number;
  checks: Int32Array;
  indices: Uint16Array;
  scales: Float32Array;
  weights: Float32Array;
  flags: Uint8Array;
  pc: Float32Array;
  vectors: Int8Array;
  planes: Float32Array;
}

export function loadTable(input: ArrayBuffer | Uint8Array): EmbeddingTable {
  let bytes = input instanceof Uint8Array ? input : new Uint8Array(input);
  if (bytes.byteOffset % 4 !== 0) bytes = bytes.slice(); // typed views need alignment
  if (bytes.byteLength < HEADER_BYTES) throw new Error("embedding table: too short");
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const u32 = (off: number) => dv.getUint32(off, true);
  if (u32(H.magic) !== MAGIC) throw new Error("embedding table: bad magic");
  if (u32(H.version) !== FORMAT_VERSION) throw new Error(`embedding table: version ${u32(H.version)}, expected ${FORMAT_VERSION}`);
  if (u32(H.dims) !== DIMS) throw new Error(`embedding table: ${u32(H.dims)} dimensions, expected ${DIMS}`);
  const count = u32(H.count);
  const slots = u32(H.slots);
  if (slots === 0 || (slots & (slots - 1)) !== 0 || slots <= count || count > 0xfffe) throw new Error("embedding table: bad sizes");
  if (u32(H.totalBytes) !== bytes.byteLength) throw new Error("embedding table: length mismatch");
  const at = (off: number, size: number) => {
    const o = u32(off);
    if (o % 4 !== 0 || o + size > bytes.byteLength) throw new Error("embedding table: bad section offset");
    return bytes.byteOffset + o;
  };
  const buf = bytes.buffer;
  return {
    count,
    slots,
    mask: slots - 1,
    rareRank: u32(H.rareRank),
    checks: new Int32Array(buf, at(H.offChecks, slots * 4), slots),
    indices: new Uint16Array(buf, at(H.offIndices, slots * 2), slots),
    scales: new Float32Array(buf, at(H.offScales, count * 4), count),
    weights: new Float32Array(buf, at(H.offWeights, count * 4), count),
    flags: new Uint8Array(buf, at(H.offFlags, count), count),
    pc: new Float32Array(buf, at(H.offPc, DIMS * 4), DIMS),
    vectors: new Int8Array(buf, at(H.offVectors, count * DIMS + 16), count * DIMS),
    planes: hyperplanes(),
  };
}

/** Word index of a term (by its two hashes), or -1. */
export function lookup(table: EmbeddingTable, h1: number, check: number): number {
  let slot = h1 & table.mask;
  for (;;) {
    const e = table.indices[slot]!;
    if (e === 0) return -1;
    if (table.checks[slot] === check) return e - 1;
    slot = (slot + 1) & table.mask;
  }
}

// ---- character classes -------------------------------------------------------

const isLetter = (b: number) => (b >= 0x61 && b <= 0x7a) || (b >= 0x41 && b <= 0x5a);
const isDigit = (b: number) => b >= 0x30 && b <= 0x39;

/** Code and math symbols, rare in prose: each one present is a salient item ("a - b" vs "a * b", "x > 0" vs "x < 0"). */
export const SYMBOLS = "<>=*+^~|&{}[]\\";
const SYMBOL_SET = new Uint8Array(128);
for (const c of SYMBOLS) SYMBOL_SET[c.charCodeAt(0)] = 1;
const isSymbol = (b: number) => SYMBOL_SET[b] === 1;

const MARKER_SET = new Uint8Array(128);
for (const c of MARKER_BYTES) MARKER_SET[c.charCodeAt(0)] = 1;
const isMarkerByte = (b: number) => MARKER_SET[b] === 1;

/** Non-ASCII code points that separate tokens: Latin-1 punctuation, general punctuation, arrows/math/symbols, CJK punctuation, fullwidth ASCII punctuation. */
export function isSeparator(cp: number): boolean {
  return (
    cp <= 0xbf || // C1 controls, NBSP, Latin-1 punctuation and symbols (cp >= 0x80 here)
    cp === 0xd7 ||
    cp === 0xf7 ||
    (cp >= 0x2000 && cp <= 0x206f) ||
    (cp >= 0x2190 && cp <= 0x2bff) ||
    (cp >= 0x3000 && cp <= 0x303f) ||
    cp === 0xfeff ||
    (cp >= 0xff01 && cp <= 0xff0f) ||
    (cp >= 0xff1a && cp <= 0xff20)
  );
}

// ---- the fingerprint ----------------------------------------------------------

const encoder = new TextEncoder();
let inputBuf = new Uint8Array(4096);
let salientBuf = new Int32Array(256);
const acc = new Float32Array(DIMS);

/** UTF-8 of `text`, cut to MAX_INPUT_BYTES at a character boundary (what encodeInto does with a 1 MiB buffer). */
export function encodeCapped(text: string): Uint8Array {
  const want = Math.min(MAX_INPUT_BYTES, text.length * 3);
  if (inputBuf.length < want) inputBuf = new Uint8Array(Math.max(want, inputBuf.length * 2));
  const dest = inputBuf.length > MAX_INPUT_BYTES ? inputBuf.subarray(0, MAX_INPUT_BYTES) : inputBuf;
  const { written } = encoder.encodeInto(text, dest);
  return inputBuf.subarray(0, written);
}

function dot4(a: Float32Array, ao: number, b: Float32Array): number {
  const f = Math.fround;
  let s0 = 0,
    s1 = 0,
    s2 = 0,
    s3 = 0;
  for (let d = 0; d < DIMS; d += 4) {
    s0 = f(s0 + f(a[ao + d]! * b[d]!));
    s1 = f(s1 + f(a[ao + d + 1]! * b[d + 1]!));
    s2 = f(s2 + f(a[ao + d + 2]! * b[d + 2]!));
    s3 = f(s3 + f(a[ao + d + 3]! * b[d + 3]!));
  }
  return f(f(s0 + s1) + f(s2 + s3));
}

/** The fingerprint with its word sketch (worker/cache/word-sketch.ts), as the worker's adapter returns it. */
export function fingerprintReference(text: string, table: EmbeddingTable): MarkedFingerprint {
  return { ...fingerprintBytes(encodeCapped(text), table), sketch: wordSketch(text.length > MAX_INPUT_BYTES ? text.slice(0, MAX_INPUT_BYTES) : text) };
}

/** What made an item salient (fingerprintBytes' trace; not part of the result). */
export type SalientKind = "number" | "negation" | "oov" | "rare" | "flagged" | "entity" | "symbol" | "order";

/**
 * The fingerprint of UTF-8 bytes (at most MAX_INPUT_BYTES are read). `trace`, when
 * given, sees every salient item with the text it came from (debugging, tests).
 */
export function fingerprintBytes(input: Uint8Array, table: EmbeddingTable, trace?: (kind: SalientKind, text: string) => void): MarkedFingerprint {
  const f = Math.fround;
  const n = Math.min(input.length, MAX_INPUT_BYTES);
  const { vectors, scales, weights, flags } = table;
  acc.fill(0);
  let nSal = 0;
  let tokens = 0;
  let known = 0;
  let negations = 0;
  let lastItem = 0;
  let lastItemTok = -1;
  let dirPending = false;
  let dirFrom = 0;
  let dirDeadline = 0;
  let dirSkipped = false;
  let prevLower = false;
  let i = 0;
  let tokStart = 0;
  let sentenceStart = true;

  // Markers (see worker/cache/markers.ts): counts by keyword kind (1..4; index 0 takes the misses); the previous word, if it starts a two-word keyword.
  const keywords = keywordTable();
  const counts = [0, 0, 0, 0, 0];
  let nonAscii = 0;
  let lines = 0;
  let pairPending = false;
  let prevH1 = 0;
  let prevCheck = 0;

  // The token in progress.
  let inTok = false;
  let h1 = 0;
  let h2 = 0;
  let hasDigit = false;
  let firstUpper = false;
  let hasLower = false;
  let camel = false;
  let letters = 0;
  let lastDigit = false;
  let lastChar = 0;
  let tlen = 0;
  let h1m1 = 0;
  let h1m2 = 0;
  let c2 = 0;
  let c3 = 0;
  let c4 = 0;
  let apos = 0;
  let h1Apos = 0;
  let h2Apos = 0;
  let beforeApos = 0;
  let sufLen = 0;
  let suf1 = 0;
  let suf2 = 0;

  const push = (v: number): void => {
    if (nSal === salientBuf.length) {
      const grown = new Int32Array(salientBuf.length * 2);
      grown.set(salientBuf);
      salientBuf = grown;
    }
    salientBuf[nSal++] = v;
  };
  const tokenText = (): string => new TextDecoder().decode(input.subarray(tokStart, i));
  const item = (unigram: number, seq: number, kind: SalientKind): void => {
    push(unigram);
    if (trace) trace(kind, tokenText());
    if (dirPending) {
      if (tokens === dirDeadline) {
        push(mix(pairHash(dirFrom, seq), TAG_ORDER));
        if (trace) trace("order", tokenText());
      }
      dirPending = false;
    }
    lastItem = seq;
    lastItemTok = tokens;
  };
  const negation = (): void => {
    negations++;
    item(mix(negations, TAG_NEGATION), mix(0, TAG_NEGATION), "negation");
  };
  /** The term's hash for the salient set: a plural "-s" / "-sses" folded ("pumps" = "pump", "addresses" = "address"). */
  const stem = (): number => {
    if (lastChar !== 0x73) return h1;
    if (tlen >= 5 && c2 === 0x65 && c3 === 0x73 && c4 === 0x73) return h1m2;
    if (tlen >= 4 && c2 !== 0x73 && c2 !== 0x75 && c2 !== 0x69) return h1m1;
    return h1;
  };
  const begin = (upper: boolean): void => {
    inTok = true;
    h1 = FNV_OFFSET;
    h2 = H2_SEED;
    hasDigit = false;
    firstUpper = upper;
    hasLower = false;
    camel = false;
    letters = 0;
    lastDigit = false;
    lastChar = 0;
    tlen = 0;
    c2 = 0;
    c3 = 0;
    c4 = 0;
    tokStart = i;
    apos = 0;
    sufLen = 0;
  };
  const append = (b: number): void => {
    h1m2 = h1m1;
    h1m1 = h1;
    c4 = c3;
    c3 = c2;
    c2 = lastChar;
    tlen++;
    h1 = Math.imul(h1 ^ b, FNV_PRIME);
    h2 = Math.imul(h2 ^ b, H2_MUL);
    h2 ^= h2 >>> 15;
    lastChar = b;
    if (apos > 0) {
      sufLen++;
      if (sufLen === 1) suf1 = b;
      else if (sufLen === 2) suf2 = b;
    }
  };
  const apostrophe = (): void => {
    apos++;
    h1Apos = h1;
    h2Apos = h2;
    beforeApos = lastChar;
    append(0x27);
    sufLen = 0;
    lastDigit = false;
  };
  /** Counts the word's keyword kind, and its pair's with the word before; remembers whether it starts a pair. */
  const countKeywords = (h: number, check: number): void => {
    const entry = keywordEntry(keywords, h, check);
    counts[entryKind(entry)]!++; // counts[0] collects the misses
    if (pairPending) counts[entryKind(keywordEntry(keywords, pairHash(prevH1, h), pairHash(prevCheck, check)))]!++;
    pairPending = (entry & STARTS_PAIR) !== 0;
    prevH1 = h;
    prevCheck = check;
  };
  const end = (): void => {
    inTok = false;
    tokens++;
    if (camel) counts[KIND_CODE]!++;
    if (hasDigit) {
      const it = mix(h1, TAG_NUMBER);
      item(it, it, "number");
      counts[KIND_MATH]!++;
      pairPending = false;
    } else if (apos > 0 && sufLen === 1 && suf1 === 0x74 && beforeApos === 0x6e) {
      negation(); // n't
      pairPending = false;
    } else {
      let t1 = h1;
      let t2 = h2;
      let s1 = -1; // salient hash base, computed when needed
      if (
        apos > 0 &&
        ((sufLen === 1 && (suf1 === 0x73 || suf1 === 0x64 || suf1 === 0x6d)) || // 's 'd 'm
          (sufLen === 2 && ((suf1 === 0x72 && suf2 === 0x65) || (suf1 === 0x6c && suf2 === 0x6c) || (suf1 === 0x76 && suf2 === 0x65)))) // 're 'll 've
      ) {
        t1 = h1Apos;
        t2 = h2Apos;
        s1 = t1;
      }
      const check = fmix32(t2);
      countKeywords(t1, check);
      const idx = lookup(table, t1, check);
      if (idx >= 0) {
        known++;
        const w = f(weights[idx]! * scales[idx]!);
        const base = idx * DIMS;
        for (let d = 0; d < DIMS; d++) acc[d] = f(acc[d]! + f(w * vectors[base + d]!));
        const fl = flags[idx]!;
        if (fl & FLAG_NEGATION) negation();
        else if (fl & (FLAG_SALIENT | FLAG_RARE) || (firstUpper && !sentenceStart && !(fl & FLAG_NOT_ENTITY) && (hasLower || prevLower))) {
          const it = mix(s1 === -1 ? stem() : s1, TAG_WORD);
          item(it, it, fl & FLAG_SALIENT ? "flagged" : fl & FLAG_RARE ? "rare" : "entity");
        } else if (fl & FLAG_DIRECTION) {
          // "X to Y": the item right before, and the one right after (past at most one article).
          if (lastItemTok === tokens - 1) {
            dirPending = true;
            dirFrom = lastItem;
            dirDeadline = tokens + 1;
            dirSkipped = false;
          }
        } else if (fl & FLAG_ARTICLE && dirPending && tokens === dirDeadline && !dirSkipped) {
          dirDeadline++;
          dirSkipped = true;
        }
      } else {
        const it = mix(s1 === -1 ? stem() : s1, TAG_WORD);
        item(it, it, "oov");
      }
    }
    if (letters >= 2) prevLower = hasLower;
    sentenceStart = false;
  };

  /** A separating byte that may be code or maths (markers.ts MARKER_BYTES), at input[i]. */
  const markByte = (b: number): void => {
    if (b === 0x0a) {
      lines++;
      if (isIndentedLine(input, i, n)) counts[KIND_CODE]!++;
    } else if (b === 0x7b || b === 0x7d || b === 0x3b || b === 0x60) {
      counts[KIND_CODE]!++; // { } ; `
    } else if (b === 0x5f) {
      if (isIdentifierUnderscore(input, i, n)) counts[KIND_CODE]!++;
    } else {
      if (i + 1 < n && isCodePair(b, input[i + 1]!)) counts[KIND_CODE]!++;
      if (isOperator(b) && isArithmetic(input, i, n)) counts[KIND_MATH]!++;
    }
  };

  while (i < n) {
    const b = input[i]!;
    if (b < 0x80) {
      if (isLetter(b)) {
        if (!inTok) begin(b <= 0x5a);
        append(b | 0x20);
        if (b >= 0x61) hasLower = true;
        else if (hasLower) camel = true;
        letters++;
        lastDigit = false;
        i++;
        continue;
      }
      if (isDigit(b)) {
        if (!inTok) begin(false);
        append(b);
        hasDigit = true;
        lastDigit = true;
        i++;
        continue;
      }
      if (b === 0x27) {
        if (inTok && i + 1 < n && isLetter(input[i + 1]!)) {
          apostrophe();
          i++;
          continue;
        }
      } else if (b === 0x2e || b === 0x2c) {
        if (inTok && lastDigit && i + 1 < n && isDigit(input[i + 1]!)) {
          append(b);
          lastDigit = false;
          i++;
          continue;
        }
      } else if (b === 0x25) {
        if (inTok && lastDigit) {
          append(b);
          i++;
          end();
          continue;
        }
      } else if (b === 0x2d) {
        if (!inTok && i + 1 < n && isDigit(input[i + 1]!)) {
          begin(false);
          append(b);
          i++;
          continue;
        }
      }
      if (inTok) end();
      if (b === 0x2e || b === 0x21 || b === 0x3f || b === 0x0a) sentenceStart = true;
      else if (isSymbol(b)) {
        push(mix(b, TAG_SYMBOL));
        if (trace) trace("symbol", String.fromCharCode(b));
      }
      if (isMarkerByte(b)) markByte(b);
      i++;
      continue;
    }
    // Non-ASCII: decode one code point (invalid sequences: one byte, a word character).
    nonAscii++;
    let len = 1;
    let cp = -1;
    if (b >= 0xc2 && b <= 0xdf) {
      if (i + 1 < n && (input[i + 1]! & 0xc0) === 0x80) {
        len = 2;
        cp = ((b & 0x1f) << 6) | (input[i + 1]! & 0x3f);
      }
    } else if (b >= 0xe0 && b <= 0xef) {
      if (i + 2 < n && (input[i + 1]! & 0xc0) === 0x80 && (input[i + 2]! & 0xc0) === 0x80) {
        len = 3;
        cp = ((b & 0x0f) << 12) | ((input[i + 1]! & 0x3f) << 6) | (input[i + 2]! & 0x3f);
      }
    } else if (b >= 0xf0 && b <= 0xf4) {
      if (i + 3 < n && (input[i + 1]! & 0xc0) === 0x80 && (input[i + 2]! & 0xc0) === 0x80 && (input[i + 3]! & 0xc0) === 0x80) {
        len = 4;
        cp = ((b & 0x07) << 18) | ((input[i + 1]! & 0x3f) << 12) | ((input[i + 2]! & 0x3f) << 6) | (input[i + 3]! & 0x3f);
      }
    }
    if (isMathCodePoint(cp)) counts[KIND_MATH]!++;
    if (cp === 0x2019 && inTok && i + 3 < n && isLetter(input[i + 3]!)) {
      apostrophe();
      i += 3;
      continue;
    }
    if (cp >= 0 && isSeparator(cp)) {
      if (inTok) end();
      i += len;
      continue;
    }
    if (!inTok) begin(false);
    for (let k = 0; k < len; k++) append(input[i + k]!);
    lastDigit = false;
    i += len;
  }
  if (inTok) end();

  // Embedding: remove the principal component, normalise, sign.
  const vector = new Float32Array(DIMS);
  let hi = 0;
  let lo = 0;
  if (known > 0) {
    const pc = table.pc;
    const proj = dot4(acc, 0, pc);
    for (let d = 0; d < DIMS; d++) acc[d] = f(acc[d]! - f(proj * pc[d]!));
    const norm = f(Math.sqrt(dot4(acc, 0, acc)));
    if (norm > 0 && norm < Infinity) {
      for (let d = 0; d < DIMS; d++) vector[d] = f(acc[d]! / norm);
      const planes = table.planes;
      for (let k = 0; k < PLANES; k++) {
        if (dot4(planes, k * DIMS, vector) > 0) {
          if (k < 32) lo |= 1 << k;
          else hi |= 1 << (k - 32);
        }
      }
    }
  }

  // Salient: sort, dedupe.
  const sorted = new Uint32Array(salientBuf.buffer, 0, nSal).slice().sort();
  let m = 0;
  for (let k = 0; k < sorted.length; k++) if (k === 0 || sorted[k] !== sorted[k - 1]) sorted[m++] = sorted[k]!;
  const markers = { code: counts[1]!, math: counts[2]!, structured: counts[3]!, summary: counts[4]!, nonAscii, lines };
  return { vector, signature: [hi >>> 0, lo >>> 0], salient: sorted.slice(0, m), tokens, known, markers };
}
