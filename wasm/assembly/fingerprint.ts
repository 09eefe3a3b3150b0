// Prompt fingerprint for the semantic cache (AssemblyScript -> wasm/fingerprint.wasm).
//
// The specification is wasm/reference/embedding-reference.ts: this file performs
// the same steps with the same float32 operations in the same order (SIMD lanes
// = the reference's four partial sums), so both give identical results.
//
// Host protocol (raw exports, no bindings, no imports):
//   ptr = allocTable(len)   copy wasm/embeddings.bin to [ptr, ptr + len)
//   ptr = allocKeywords(n)  copy the marker keyword table (n slots of [check, entry] int32,
//                           worker/cache/markers.ts keywordTable()) to [ptr, ptr + 8n)
//   init() == 0             parse the table, generate the hyperplanes (else an error code)
//   ptr = inputBuffer(len)  a buffer of at least min(len, MAX_INPUT) bytes (may grow memory)
//   inputCapacity()         its actual size (capacities grow by doubling, up to MAX_INPUT)
//   res = run(len)          fingerprint the first len bytes of the input buffer
// res points at u32s: [sigHi, sigLo, tokens, known, salientCount, salientPtr, vectorPtr,
// code, math, structured, summary, nonAscii, lines]; the vector is 100 f32, the salient
// hashes are sorted and distinct; the last six are the markers (worker/cache/markers.ts).
// Every call may grow memory.

const DIMS: i32 = 100;
const PLANES: i32 = 64;
const MAX_INPUT: u32 = 1 << 20;
const MAGIC: u32 = 0x4544524d;
const FORMAT_VERSION: u32 = 1;
const HEADER_BYTES: u32 = 64;
const SIMHASH_SEED: u32 = 0x6d657269;

const FLAG_NEGATION: u8 = 1;
const FLAG_SALIENT: u8 = 2;
const FLAG_NOT_ENTITY: u8 = 4;
const FLAG_RARE: u8 = 8;
const FLAG_DIRECTION: u8 = 16;
const FLAG_ARTICLE: u8 = 32;

const TAG_NUMBER: u32 = 1;
const TAG_WORD: u32 = 2;
const TAG_NEGATION: u32 = 3;
const TAG_ORDER: u32 = 4;
const TAG_SYMBOL: u32 = 5;

/** & * + < = > [ \ ] ^ as bits of (b - 0x26); { | } ~ are tested directly. */
const SYMBOL_BITS: u64 = 0x1e0000001c00031;

// Markers: keyword kinds, as result fields 6 + kind (worker/cache/markers.ts).
const KIND_CODE: u32 = 1;
const KIND_MATH: u32 = 2;
const KIND_LAST: u32 = 4;
/** Keyword entry bit: the word starts a two-word keyword (markers.ts STARTS_PAIR); the low byte is the kind. */
const STARTS_PAIR: u32 = 0x100;
/** bump() of the last two fields (11, 12); a local counter in run() would slow its loop. */
const NON_ASCII: u32 = 5;
const LINES: u32 = 6;
/** The bytes that may count for a marker (markers.ts MARKER_BYTES), as bits of b and b - 64. */
const MARKER_BITS_LO: u64 = 0x7c00ad4200000400;
const MARKER_BITS_HI: u64 = 0x38000001c8000000;

const FNV_OFFSET: u32 = 0x811c9dc5;
const FNV_PRIME: u32 = 0x01000193;
const H2_SEED: u32 = 0x9747b28c;
const H2_MUL: u32 = 0x5bd1e995;

// ---- state ------------------------------------------------------------------------

let table: usize = 0;
let tableLen: u32 = 0;
let count: u32 = 0;
let mask: u32 = 0;
let checks: usize = 0;
let indices: usize = 0;
let scales: usize = 0;
let weights: usize = 0;
let flags: usize = 0;
let pc: usize = 0;
let vectors: usize = 0;
let keywords: usize = 0;
let keywordMask: u32 = 0;
let planes: usize = 0;
let acc: usize = 0;
let result: usize = 0;
let ready = false;

let input: usize = 0;
let inputCap: u32 = 0;
let sal: usize = 0;
let salCap: u32 = 0;
let scratch: usize = 0;
let scratchCap: u32 = 0;
let hist: usize = 0;

// Per call.
let nSal: u32 = 0;
let tokens: u32 = 0;
let known: u32 = 0;
let negations: u32 = 0;
let lastItem: u32 = 0;
let lastItemTok: i32 = -1;
let dirPending = false;
let dirFrom: u32 = 0;
let dirDeadline: i32 = 0;
let dirSkipped = false;
let prevLower = false;
let sentenceStart = true;
let pairPending = false;
let prevH1: u32 = 0;
let prevCheck: u32 = 0;

// The token in progress lives in run()'s locals; the rare apostrophe state here.
let h1Apos: u32 = 0;
let h2Apos: u32 = 0;
let beforeApos: u32 = 0;
let sufLen: u32 = 0;
let suf1: u32 = 0;
let suf2: u32 = 0;

// ---- allocation -------------------------------------------------------------------

function alloc16(size: usize): usize {
  // heap.alloc aligns to 16 bytes.
  return heap.alloc(size);
}

export function allocTable(len: u32): usize {
  if (table != 0) return len <= tableLen ? table : 0;
  table = alloc16(<usize>len + 16);
  tableLen = len;
  return table;
}

/** Room for the marker keyword table: `slots` (a power of two) pairs of [check, entry]; 0 if invalid. */
export function allocKeywords(slots: u32): usize {
  if (keywords != 0) return slots - 1 == keywordMask ? keywords : 0;
  if (slots == 0 || (slots & (slots - 1)) != 0 || slots > 1 << 16) return 0;
  keywords = alloc16(<usize>slots << 3);
  keywordMask = slots - 1;
  return keywords;
}

// ---- hashes -----------------------------------------------------------------------

// @ts-ignore: decorator
@inline function fmix32(h: u32): u32 {
  h ^= h >>> 16;
  h *= 0x85ebca6b;
  h ^= h >>> 13;
  h *= 0xc2b2ae35;
  h ^= h >>> 16;
  return h;
}

// @ts-ignore: decorator
@inline function mix(h: u32, tag: u32): u32 {
  return fmix32(h + tag * 0x9e3779b9);
}

// @ts-ignore: decorator
@inline function pair(a: u32, b: u32): u32 {
  return fmix32(a ^ (rotl<u32>(b, 15) * 0x1b873593));
}

// ---- init -------------------------------------------------------------------------

// @ts-ignore: decorator
@inline function hdr(off: u32): u32 {
  return load<u32>(table + off);
}

/** 0 = ready; otherwise which check failed. */
export function init(): i32 {
  if (ready) return 0;
  if (table == 0) return 1;
  if (keywords == 0) return 8;
  if (hdr(0) != MAGIC) return 2;
  if (hdr(4) != FORMAT_VERSION) return 3;
  if (hdr(8) != <u32>DIMS) return 4;
  count = hdr(12);
  const slots = hdr(16);
  if (slots == 0 || (slots & (slots - 1)) != 0 || slots <= count || count > 0xfffe) return 5;
  if (hdr(52) != tableLen || tableLen < HEADER_BYTES) return 6;
  mask = slots - 1;
  const sections: u32[] = [24, 28, 32, 36, 40, 44, 48];
  const sizes: u32[] = [slots * 4, slots * 2, count * 4, count * 4, count, <u32>DIMS * 4, count * <u32>DIMS + 16];
  for (let k = 0; k < 7; k++) {
    const o = hdr(unchecked(sections[k]));
    if ((o & 3) != 0 || <u64>o + <u64>unchecked(sizes[k]) > <u64>tableLen) return 7;
  }
  // Entries must name a marker, and an empty slot must end every probe.
  let empty = false;
  for (let slot: u32 = 0; slot <= keywordMask; slot++) {
    const entry = load<u32>(keywords + (<usize>slot << 3), 4);
    if ((entry & ~(STARTS_PAIR | 0xff)) != 0 || (entry & 0xff) > KIND_LAST) return 9;
    if (entry == 0) empty = true;
  }
  if (!empty) return 9;
  checks = table + hdr(24);
  indices = table + hdr(28);
  scales = table + hdr(32);
  weights = table + hdr(36);
  flags = table + hdr(40);
  pc = table + hdr(44);
  vectors = table + hdr(48);

  // Hyperplanes: mulberry32, Irwin-Hall(4) integers, exact in f32.
  planes = alloc16(<usize>(PLANES * DIMS * 4));
  let s: u32 = SIMHASH_SEED;
  for (let i = 0; i < PLANES * DIMS; i++) {
    let sum: i32 = 0;
    for (let k = 0; k < 4; k++) {
      s += 0x6d2b79f5;
      let t = s;
      t = (t ^ (t >>> 15)) * (t | 1);
      t ^= t + (t ^ (t >>> 7)) * (t | 61);
      sum += <i32>((t ^ (t >>> 14)) >>> 16);
    }
    store<f32>(planes + (<usize>i << 2), <f32>(sum - 131070));
  }
  acc = alloc16(<usize>(DIMS * 4));
  result = alloc16(64);
  hist = alloc16(4 * 256 * 4);
  ensureSalient(256);
  ready = true;
  return 0;
}

// ---- buffers ----------------------------------------------------------------------

export function inputBuffer(len: u32): usize {
  if (len > MAX_INPUT) len = MAX_INPUT;
  if (len < 256) len = 256;
  if (len > inputCap) {
    let cap = inputCap == 0 ? len : inputCap;
    while (cap < len) cap <<= 1;
    if (cap > MAX_INPUT) cap = MAX_INPUT;
    input = input == 0 ? alloc16(<usize>cap) : heap.realloc(input, <usize>cap);
    inputCap = cap;
  }
  return input;
}

/** Bytes available at inputBuffer()'s pointer. */
export function inputCapacity(): u32 {
  return inputCap;
}

function ensureSalient(need: u32): void {
  if (need <= salCap) return;
  let cap: u32 = salCap == 0 ? 256 : salCap;
  while (cap < need) cap <<= 1;
  sal = sal == 0 ? alloc16(<usize>cap << 2) : heap.realloc(sal, <usize>cap << 2);
  salCap = cap;
}

// @ts-ignore: decorator
@inline function push(v: u32): void {
  if (nSal == salCap) ensureSalient(nSal + 1);
  store<u32>(sal + (<usize>nSal << 2), v);
  nSal++;
}

// ---- salient items ----------------------------------------------------------------

function item(unigram: u32, seq: u32): void {
  push(unigram);
  if (dirPending) {
    if (<i32>tokens == dirDeadline) push(mix(pair(dirFrom, seq), TAG_ORDER));
    dirPending = false;
  }
  lastItem = seq;
  lastItemTok = <i32>tokens;
}

function negation(): void {
  negations++;
  item(mix(negations, TAG_NEGATION), mix(0, TAG_NEGATION));
}

// @ts-ignore: decorator
@inline function normalised(b: u32): u32 {
  return b - 0x41 < 26 ? b | 0x20 : b;
}

/**
 * The salient hash of the word input[start, end) (FNV-1a of its normalised bytes,
 * as hashed while tokenising) with a plural "-s" / "-sses" folded: "pumps" = "pump",
 * "addresses" = "address" (not after s, u, i: "bus", "virus", "analysis"). Only
 * called for salient words, so it re-reads the bytes instead of tracking them.
 */
function stem(full: u32, start: u32, end: u32): u32 {
  let len: u32 = 0;
  let l1: u32 = 0;
  let l2: u32 = 0;
  let l3: u32 = 0;
  let l4: u32 = 0;
  let j = start;
  while (j < end) {
    let c = <u32>load<u8>(input + <usize>j);
    if (c == 0xe2 && j + 2 < end && load<u8>(input + <usize>j + 1) == 0x80 && load<u8>(input + <usize>j + 2) == 0x99) {
      c = 0x27; // ’ inside a token is always the apostrophe
      j += 3;
    } else {
      c = normalised(c);
      j++;
    }
    l4 = l3;
    l3 = l2;
    l2 = l1;
    l1 = c;
    len++;
  }
  if (l1 != 0x73) return full;
  let cut: u32 = 0;
  if (len >= 5 && l2 == 0x65 && l3 == 0x73 && l4 == 0x73) cut = 2;
  else if (len >= 4 && l2 != 0x73 && l2 != 0x75 && l2 != 0x69) cut = 1;
  else return full;
  let h = FNV_OFFSET;
  j = start;
  for (let k: u32 = 0; k < len - cut; k++) {
    let c = <u32>load<u8>(input + <usize>j);
    if (c == 0xe2 && j + 2 < end && load<u8>(input + <usize>j + 1) == 0x80 && load<u8>(input + <usize>j + 2) == 0x99) {
      c = 0x27;
      j += 3;
    } else {
      c = normalised(c);
      j++;
    }
    h = (h ^ c) * FNV_PRIME;
  }
  return h;
}

// ---- tokens -----------------------------------------------------------------------

// Token facts passed from run() to end().
const T_DIGIT: u32 = 1;
const T_UPPER: u32 = 2;
const T_LOWER: u32 = 4;
const T_WORDY: u32 = 8; // two letters or more
const T_APOS: u32 = 16;
const T_CAMEL: u32 = 32; // an uppercase letter after a lowercase one: T_LOWER << 3

/** After an apostrophe: the first two bytes of the suffix ("t" of n't, "s", "re", "ll", ...). */
function suffix(c: u32): void {
  sufLen++;
  if (sufLen == 1) suf1 = c;
  else if (sufLen == 2) suf2 = c;
}

function lookup(t1: u32, check: u32): i32 {
  let slot = t1 & mask;
  while (true) {
    const e = <i32>load<u16>(indices + (<usize>slot << 1));
    if (e == 0) return -1;
    if (load<u32>(checks + (<usize>slot << 2)) == check) return e - 1;
    slot = (slot + 1) & mask;
  }
  return -1;
}

// ---- markers ----------------------------------------------------------------------

// @ts-ignore: decorator
@inline function bump(kind: u32): void {
  const p = result + 24 + (<usize>kind << 2);
  store<u32>(p, load<u32>(p) + 1);
}

/** The keyword entry (kind | STARTS_PAIR) of one word's hashes or a pair's, 0 if absent. */
function keywordEntry(h: u32, check: u32): u32 {
  let slot = h & keywordMask;
  while (true) {
    const p = keywords + (<usize>slot << 3);
    const entry = load<u32>(p, 4);
    if (entry == 0 || load<u32>(p) == check) return entry;
    slot = (slot + 1) & keywordMask;
  }
  return 0;
}

/** Counts the word's keyword kind, and its pair's with the word before; remembers whether it starts a pair. */
function countKeywords(h: u32, check: u32): void {
  const entry = keywordEntry(h, check);
  if (entry & 0xff) bump(entry & 0xff);
  if (pairPending) {
    const kind = keywordEntry(pair(prevH1, h), pair(prevCheck, check)) & 0xff;
    if (kind) bump(kind);
  }
  pairPending = (entry & STARTS_PAIR) != 0;
  prevH1 = h;
  prevCheck = check;
}

// @ts-ignore: decorator
@inline function isMarkerByte(b: u32): bool {
  return b < 64 ? ((MARKER_BITS_LO >> <u64>b) & 1) != 0 : ((MARKER_BITS_HI >> <u64>(b - 64)) & 1) != 0;
}

// @ts-ignore: decorator
@inline function isAlnum(b: u32): bool {
  return b - 0x30 < 10 || (b | 0x20) - 0x61 < 26;
}

// @ts-ignore: decorator
@inline function isOperand(b: u32): bool {
  return isAlnum(b) || b == 0x28 || b == 0x29;
}

function isCodePair(b: u32, c: u32): bool {
  switch (b) {
    case 0x3d: return c == 0x3e || c == 0x3d; // => ==
    case 0x21: return c == 0x3d; // !=
    case 0x2d: return c == 0x3e || c == 0x3d; // -> -=
    case 0x3a: return c == 0x3a; // ::
    case 0x3c: return c == 0x2f; // </
    case 0x2f: return c == 0x3e || c == 0x2a; // /> /*
    case 0x26: return c == 0x26; // &&
    case 0x7c: return c == 0x7c; // ||
    case 0x28: return c == 0x29; // ()
    case 0x5b: return c == 0x5d; // []
    case 0x2b: return c == 0x2b || c == 0x3d; // ++ +=
    case 0x2a: return c == 0x2f; // */
    default: return false;
  }
}

/** + - * / ^ = < > with operands on both sides (spaces skipped), one of them a digit. */
function isArithmetic(b: u32, i: u32, n: u32): bool {
  if (!(b == 0x2b || b == 0x2d || b == 0x2a || b == 0x2f || b == 0x5e || b == 0x3d || b == 0x3c || b == 0x3e)) return false;
  let p = <i32>i - 1;
  while (p >= 0 && load<u8>(input + <usize>p) == 0x20) p--;
  let q = i + 1;
  while (q < n && load<u8>(input + <usize>q) == 0x20) q++;
  if (p < 0 || q >= n) return false;
  const a = <u32>load<u8>(input + <usize>p);
  const c = <u32>load<u8>(input + <usize>q);
  return isOperand(a) && isOperand(c) && (a - 0x30 < 10 || c - 0x30 < 10);
}

/** A separating byte that may be code or maths (isMarkerByte). */
function markByte(b: u32, i: u32, n: u32): void {
  if (b == 0x0a) {
    bump(LINES);
    if (i + 1 < n && load<u8>(input + <usize>i + 1) == 0x09) bump(KIND_CODE);
    else if (i + 4 < n && load<u32>(input + <usize>i + 1) == 0x20202020) bump(KIND_CODE);
  } else if (b == 0x7b || b == 0x7d || b == 0x3b || b == 0x60) {
    bump(KIND_CODE); // { } ; `
  } else if (b == 0x5f) {
    if (i > 0 && i + 1 < n && isAlnum(<u32>load<u8>(input + <usize>i - 1)) && isAlnum(<u32>load<u8>(input + <usize>i + 1))) bump(KIND_CODE);
  } else {
    if (i + 1 < n && isCodePair(b, <u32>load<u8>(input + <usize>i + 1))) bump(KIND_CODE);
    if (isArithmetic(b, i, n)) bump(KIND_MATH);
  }
}

// @ts-ignore: decorator
@inline function isMathCodePoint(cp: u32): bool {
  return cp == 0xd7 || cp == 0xf7 || cp == 0xb2 || cp == 0xb3 || cp - 0xbc <= 2 || cp == 0x3c0 || cp - 0x2200 <= 0xff;
}

// ---- vectors ----------------------------------------------------------------------

function accumulate(idx: i32): void {
  const w: f32 = load<f32>(weights + (<usize>idx << 2)) * load<f32>(scales + (<usize>idx << 2));
  const wv = f32x4.splat(w);
  const q = vectors + <usize>idx * <usize>DIMS;
  // 12 x 8 bytes, then the last 4 (the table is padded, so reading 8 is safe).
  for (let g = 0; g < 96; g += 8) {
    const b16 = v128.load_ext<i8>(q + <usize>g);
    const lo = f32x4.convert_i32x4_s(i32x4.extend_low_i16x8_s(b16));
    const hi = f32x4.convert_i32x4_s(i32x4.extend_high_i16x8_s(b16));
    const p = acc + (<usize>g << 2);
    v128.store(p, f32x4.add(v128.load(p), f32x4.mul(wv, lo)));
    v128.store(p, f32x4.add(v128.load(p, 16), f32x4.mul(wv, hi)), 16);
  }
  const b16 = v128.load_ext<i8>(q + 96);
  const lo = f32x4.convert_i32x4_s(i32x4.extend_low_i16x8_s(b16));
  const p = acc + (96 << 2);
  v128.store(p, f32x4.add(v128.load(p), f32x4.mul(wv, lo)));
}

function end(h1: u32, h2: u32, facts: u32, start: u32, stop: u32): void {
  tokens++;
  if (facts & T_CAMEL) bump(KIND_CODE);
  if (facts & T_DIGIT) {
    const it = mix(h1, TAG_NUMBER);
    item(it, it);
    bump(KIND_MATH);
    pairPending = false;
  } else if ((facts & T_APOS) != 0 && sufLen == 1 && suf1 == 0x74 && beforeApos == 0x6e) {
    negation(); // n't
    pairPending = false;
  } else {
    let t1 = h1;
    let t2 = h2;
    let stripped = false;
    if (
      (facts & T_APOS) != 0 &&
      ((sufLen == 1 && (suf1 == 0x73 || suf1 == 0x64 || suf1 == 0x6d)) ||
        (sufLen == 2 && ((suf1 == 0x72 && suf2 == 0x65) || (suf1 == 0x6c && suf2 == 0x6c) || (suf1 == 0x76 && suf2 == 0x65))))
    ) {
      t1 = h1Apos;
      t2 = h2Apos;
      stripped = true;
    }
    const check = fmix32(t2);
    countKeywords(t1, check);
    const idx = lookup(t1, check);
    if (idx >= 0) {
      known++;
      accumulate(idx);
      const fl = load<u8>(flags + <usize>idx);
      if (fl & FLAG_NEGATION) negation();
      else if (
        (fl & (FLAG_SALIENT | FLAG_RARE)) != 0 ||
        ((facts & T_UPPER) != 0 && !sentenceStart && (fl & FLAG_NOT_ENTITY) == 0 && ((facts & T_LOWER) != 0 || prevLower))
      ) {
        const it = mix(stripped ? t1 : stem(t1, start, stop), TAG_WORD);
        item(it, it);
      } else if (fl & FLAG_DIRECTION) {
        if (lastItemTok == <i32>tokens - 1) {
          dirPending = true;
          dirFrom = lastItem;
          dirDeadline = <i32>tokens + 1;
          dirSkipped = false;
        }
      } else if ((fl & FLAG_ARTICLE) != 0 && dirPending && <i32>tokens == dirDeadline && !dirSkipped) {
        dirDeadline++;
        dirSkipped = true;
      }
    } else {
      const it = mix(stripped ? t1 : stem(t1, start, stop), TAG_WORD);
      item(it, it);
    }
  }
  if (facts & T_WORDY) prevLower = (facts & T_LOWER) != 0;
  sentenceStart = false;
}

// @ts-ignore: decorator
@inline function isLetter(b: u32): bool {
  return (b | 0x20) - 0x61 < 26;
}

// @ts-ignore: decorator
@inline function isDigit(b: u32): bool {
  return b - 0x30 < 10;
}

// Code and math symbols (the reference's SYMBOLS).
// @ts-ignore: decorator
@inline function isSymbol(b: u32): bool {
  const k = b - 0x26;
  return k < 64 ? ((SYMBOL_BITS >> <u64>k) & 1) != 0 : b == 0x7c || b == 0x7d || b == 0x7e || b == 0x7b;
}

// @ts-ignore: decorator
@inline function isSeparator(cp: u32): bool {
  return (
    cp <= 0xbf ||
    cp == 0xd7 ||
    cp == 0xf7 ||
    cp - 0x2000 <= 0x6f ||
    cp - 0x2190 <= 0x2bff - 0x2190 ||
    cp - 0x3000 <= 0x3f ||
    cp == 0xfeff ||
    cp - 0xff01 <= 0x0e ||
    cp - 0xff1a <= 0x06
  );
}

// ---- float helpers (same order as the reference's dot4) ---------------------------

function dot4(a: usize, b: usize): f32 {
  let s = f32x4.splat(0);
  for (let d = 0; d < DIMS * 4; d += 16) {
    s = f32x4.add(s, f32x4.mul(v128.load(a + <usize>d), v128.load(b + <usize>d)));
  }
  return (f32x4.extract_lane(s, 0) + f32x4.extract_lane(s, 1)) + (f32x4.extract_lane(s, 2) + f32x4.extract_lane(s, 3));
}

// ---- sort + dedupe (LSD radix, 4 x 8 bits) ---------------------------------------------

function sortDedupe(n: u32): u32 {
  if (n < 2) return n;
  if (n <= 32) {
    for (let i: u32 = 1; i < n; i++) {
      const v = load<u32>(sal + (<usize>i << 2));
      let j = i;
      while (j > 0 && load<u32>(sal + (<usize>(j - 1) << 2)) > v) {
        store<u32>(sal + (<usize>j << 2), load<u32>(sal + (<usize>(j - 1) << 2)));
        j--;
      }
      store<u32>(sal + (<usize>j << 2), v);
    }
  } else {
    if (n > scratchCap) {
      let cap: u32 = scratchCap == 0 ? 256 : scratchCap;
      while (cap < n) cap <<= 1;
      scratch = scratch == 0 ? alloc16(<usize>cap << 2) : heap.realloc(scratch, <usize>cap << 2);
      scratchCap = cap;
    }
    memory.fill(hist, 0, 4 * 256 * 4);
    for (let i: u32 = 0; i < n; i++) {
      const v = load<u32>(sal + (<usize>i << 2));
      for (let k: u32 = 0; k < 4; k++) {
        const h = hist + ((<usize>k << 10) | (<usize>((v >>> (k << 3)) & 0xff) << 2));
        store<u32>(h, load<u32>(h) + 1);
      }
    }
    let src = sal;
    let dst = scratch;
    for (let k: u32 = 0; k < 4; k++) {
      const base = hist + (<usize>k << 10);
      let sum: u32 = 0;
      for (let b = 0; b < 256; b++) {
        const c = load<u32>(base + (<usize>b << 2));
        store<u32>(base + (<usize>b << 2), sum);
        sum += c;
      }
      const shift = k << 3;
      for (let i: u32 = 0; i < n; i++) {
        const v = load<u32>(src + (<usize>i << 2));
        const h = base + (<usize>((v >>> shift) & 0xff) << 2);
        const pos = load<u32>(h);
        store<u32>(h, pos + 1);
        store<u32>(dst + (<usize>pos << 2), v);
      }
      const t = src;
      src = dst;
      dst = t;
    }
    // After 4 passes the sorted data is back in `sal`.
  }
  let m: u32 = 1;
  let prev = load<u32>(sal);
  for (let i: u32 = 1; i < n; i++) {
    const v = load<u32>(sal + (<usize>i << 2));
    if (v != prev) {
      store<u32>(sal + (<usize>m << 2), v);
      m++;
      prev = v;
    }
  }
  return m;
}

// ---- the fingerprint --------------------------------------------------------------

export function run(len: u32): usize {
  if (!ready) return 0;
  let n = len;
  if (n > inputCap) n = inputCap;
  memory.fill(acc, 0, <usize>(DIMS * 4));
  nSal = 0;
  tokens = 0;
  known = 0;
  negations = 0;
  lastItem = 0;
  lastItemTok = -1;
  dirPending = false;
  prevLower = false;
  sentenceStart = true;
  pairPending = false;
  memory.fill(result + 28, 0, 24); // markers

  // The token in progress (locals: this loop is the hot path).
  let inTok = false;
  let h1: u32 = 0;
  let h2: u32 = 0;
  let last: u32 = 0; // last byte hashed
  let facts: u32 = 0;
  let letters: u32 = 0;
  let lastDigit = false;
  let apos = false;
  let start: u32 = 0;

  let i: u32 = 0;
  while (i < n) {
    const b = <u32>load<u8>(input + <usize>i);
    if (b < 0x80) {
      const lower = b | 0x20;
      if (lower - 0x61 < 26) {
        if (!inTok) {
          inTok = true;
          h1 = FNV_OFFSET;
          h2 = H2_SEED;
          facts = b <= 0x5a ? T_UPPER : 0;
          letters = 0;
          apos = false;
          start = i;
        }
        h1 = (h1 ^ lower) * FNV_PRIME;
        const x = (h2 ^ lower) * H2_MUL;
        h2 = x ^ (x >>> 15);
        if (apos) suffix(lower);
        last = lower;
        if (b >= 0x61) facts |= T_LOWER;
        else facts |= (facts & T_LOWER) << 3; // T_CAMEL
        letters++;
        lastDigit = false;
        i++;
        continue;
      }
      if (b - 0x30 < 10) {
        if (!inTok) {
          inTok = true;
          h1 = FNV_OFFSET;
          h2 = H2_SEED;
          facts = 0;
          letters = 0;
          apos = false;
          start = i;
        }
        h1 = (h1 ^ b) * FNV_PRIME;
        const x = (h2 ^ b) * H2_MUL;
        h2 = x ^ (x >>> 15);
        if (apos) suffix(b);
        last = b;
        facts |= T_DIGIT;
        lastDigit = true;
        i++;
        continue;
      }
      if (b == 0x27) {
        if (inTok && i + 1 < n && isLetter(<u32>load<u8>(input + <usize>i + 1))) {
          h1Apos = h1;
          h2Apos = h2;
          beforeApos = last;
          h1 = (h1 ^ 0x27) * FNV_PRIME;
          const x = (h2 ^ 0x27) * H2_MUL;
          h2 = x ^ (x >>> 15);
          last = 0x27;
          apos = true;
          sufLen = 0;
          lastDigit = false;
          i++;
          continue;
        }
      } else if (b == 0x2e || b == 0x2c) {
        if (inTok && lastDigit && i + 1 < n && isDigit(<u32>load<u8>(input + <usize>i + 1))) {
          h1 = (h1 ^ b) * FNV_PRIME;
          const x = (h2 ^ b) * H2_MUL;
          h2 = x ^ (x >>> 15);
          if (apos) suffix(b);
          last = b;
          lastDigit = false;
          i++;
          continue;
        }
      } else if (b == 0x25) {
        if (inTok && lastDigit) {
          h1 = (h1 ^ b) * FNV_PRIME;
          const x = (h2 ^ b) * H2_MUL;
          h2 = x ^ (x >>> 15);
          i++;
          inTok = false;
          end(h1, h2, facts | (letters >= 2 ? T_WORDY : 0) | (apos ? T_APOS : 0), start, i);
          continue;
        }
      } else if (b == 0x2d) {
        if (!inTok && i + 1 < n && isDigit(<u32>load<u8>(input + <usize>i + 1))) {
          inTok = true;
          h1 = (FNV_OFFSET ^ b) * FNV_PRIME;
          const x = (H2_SEED ^ b) * H2_MUL;
          h2 = x ^ (x >>> 15);
          last = b;
          facts = 0;
          letters = 0;
          apos = false;
          lastDigit = false;
          start = i;
          i++;
          continue;
        }
      }
      if (inTok) {
        inTok = false;
        end(h1, h2, facts | (letters >= 2 ? T_WORDY : 0) | (apos ? T_APOS : 0), start, i);
      }
      if (b == 0x2e || b == 0x21 || b == 0x3f || b == 0x0a) sentenceStart = true;
      else if (isSymbol(b)) push(mix(b, TAG_SYMBOL));
      if (isMarkerByte(b)) markByte(b, i, n);
      i++;
      continue;
    }
    // Non-ASCII: one code point (invalid sequences: one byte, a word character).
    bump(NON_ASCII);
    let clen: u32 = 1;
    let cp: u32 = 0xffffffff;
    if (b >= 0xc2 && b <= 0xdf) {
      if (i + 1 < n) {
        const c1 = <u32>load<u8>(input + <usize>i + 1);
        if ((c1 & 0xc0) == 0x80) {
          clen = 2;
          cp = ((b & 0x1f) << 6) | (c1 & 0x3f);
        }
      }
    } else if (b >= 0xe0 && b <= 0xef) {
      if (i + 2 < n) {
        const c1 = <u32>load<u8>(input + <usize>i + 1);
        const c2 = <u32>load<u8>(input + <usize>i + 2);
        if ((c1 & 0xc0) == 0x80 && (c2 & 0xc0) == 0x80) {
          clen = 3;
          cp = ((b & 0x0f) << 12) | ((c1 & 0x3f) << 6) | (c2 & 0x3f);
        }
      }
    } else if (b >= 0xf0 && b <= 0xf4) {
      if (i + 3 < n) {
        const c1 = <u32>load<u8>(input + <usize>i + 1);
        const c2 = <u32>load<u8>(input + <usize>i + 2);
        const c3 = <u32>load<u8>(input + <usize>i + 3);
        if ((c1 & 0xc0) == 0x80 && (c2 & 0xc0) == 0x80 && (c3 & 0xc0) == 0x80) {
          clen = 4;
          cp = ((b & 0x07) << 18) | ((c1 & 0x3f) << 12) | ((c2 & 0x3f) << 6) | (c3 & 0x3f);
        }
      }
    }
    if (isMathCodePoint(cp)) bump(KIND_MATH);
    if (cp == 0x2019 && inTok && i + 3 < n && isLetter(<u32>load<u8>(input + <usize>i + 3))) {
      h1Apos = h1;
      h2Apos = h2;
      beforeApos = last;
      h1 = (h1 ^ 0x27) * FNV_PRIME;
      const x = (h2 ^ 0x27) * H2_MUL;
      h2 = x ^ (x >>> 15);
      last = 0x27;
      apos = true;
      sufLen = 0;
      lastDigit = false;
      i += 3;
      continue;
    }
    if (cp != 0xffffffff && isSeparator(cp)) {
      if (inTok) {
        inTok = false;
        end(h1, h2, facts | (letters >= 2 ? T_WORDY : 0) | (apos ? T_APOS : 0), start, i);
      }
      i += clen;
      continue;
    }
    if (!inTok) {
      inTok = true;
      h1 = FNV_OFFSET;
      h2 = H2_SEED;
      facts = 0;
      letters = 0;
      apos = false;
      start = i;
    }
    for (let k: u32 = 0; k < clen; k++) {
      const c = <u32>load<u8>(input + <usize>(i + k));
      h1 = (h1 ^ c) * FNV_PRIME;
      const x = (h2 ^ c) * H2_MUL;
      h2 = x ^ (x >>> 15);
      if (apos) suffix(c);
      last = c;
    }
    lastDigit = false;
    i += clen;
  }
  if (inTok) end(h1, h2, facts | (letters >= 2 ? T_WORDY : 0) | (apos ? T_APOS : 0), start, n);

  // Embedding: remove the principal component, normalise, sign.
  let hi: u32 = 0;
  let lo: u32 = 0;
  if (known > 0) {
    const proj = dot4(acc, pc);
    const pv = f32x4.splat(proj);
    for (let d = 0; d < DIMS * 4; d += 16) {
      const p = acc + <usize>d;
      v128.store(p, f32x4.sub(v128.load(p), f32x4.mul(pv, v128.load(pc + <usize>d))));
    }
    const norm = sqrt<f32>(dot4(acc, acc));
    if (norm > 0 && norm < Infinity) {
      const nv = f32x4.splat(norm);
      for (let d = 0; d < DIMS * 4; d += 16) {
        const p = acc + <usize>d;
        v128.store(p, f32x4.div(v128.load(p), nv));
      }
      for (let k = 0; k < PLANES; k++) {
        if (dot4(planes + <usize>(k * DIMS * 4), acc) > 0) {
          if (k < 32) lo |= (<u32>1) << k;
          else hi |= (<u32>1) << (k - 32);
        }
      }
    } else {
      memory.fill(acc, 0, <usize>(DIMS * 4));
    }
  } else {
    memory.fill(acc, 0, <usize>(DIMS * 4));
  }

  const m = sortDedupe(nSal);
  store<u32>(result, hi);
  store<u32>(result, lo, 4);
  store<u32>(result, tokens, 8);
  store<u32>(result, known, 12);
  store<u32>(result, m, 16);
  store<u32>(result, <u32>sal, 20);
  store<u32>(result, <u32>acc, 24);
  return result;
}
