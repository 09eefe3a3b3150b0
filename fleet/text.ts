// Pure, deterministic text for the imitation origins.
//
// The same (model, prompt) always yields the same completion, on every origin
// and every run, so tests and benchmarks can assert exact outputs and usage.
// Output is made of "pieces" (one piece = one token): words from a fixed
// vocabulary (with a leading space, BPE style) plus "," and ".". All pieces
// are plain ASCII without quotes or backslashes, so they need no JSON escaping
// and countTokens(pieces.join("")) === pieces.length.

export type FinishReason = "stop" | "length";

export interface Completion {
  /** Token pieces in order; the content is pieces.join(""). */
  readonly pieces: readonly string[];
  readonly finishReason: FinishReason;
}

/** Natural (uncapped) completion length bounds, in tokens. */
export const MIN_COMPLETION_TOKENS = 12;
export const MAX_COMPLETION_TOKENS = 60;

// Ordinary English words, all lowercase ASCII and at most 8 letters, so each
// is exactly one token for countTokens below.
const VOCAB: readonly string[] = (
  "the of and to in is was for on that with as it at by from this be are or an have not " +
  "they which one you were all we her she there their has been if more when will would who " +
  "so no out up into do can time only about other its new some could these two may first then " +
  "any like now over such our man me even most made after also did many before must through " +
  "back years where much your way well down should because each just those people how too " +
  "little state good very make world still own see men work long get here between both life " +
  "being under never day same another know while last might us great old year off come since " +
  "against go came right used take three place small found house water every light river " +
  "morning garden window letter table paper story city road music summer winter simple clear " +
  "quiet bright warm early later often always together nothing open close answer question " +
  "number sound voice friend family school market field forest stone bread coffee train " +
  "station bridge harbor island valley mountain weather evening history reason moment idea " +
  "plan system service careful steady gentle ready useful patient honest fair kind calm"
).split(" ");

function capitalize(w: string): string {
  return w.charAt(0).toUpperCase() + w.slice(1);
}

// Pre-built piece strings so generation allocates nothing per token.
const MID: readonly string[] = VOCAB.map((w) => " " + w);
const START_FIRST: readonly string[] = VOCAB.map(capitalize);
const START_NEXT: readonly string[] = VOCAB.map((w) => " " + capitalize(w));

/** The full piece vocabulary (for tests and JSON-escaping assumptions). */
export const ALL_PIECES: readonly string[] = [...MID, ...START_FIRST, ...START_NEXT, ",", "."];

/** FNV-1a 32-bit over UTF-16 code units, continuing from `h`. */
export function fnv1a(s: string, h = 0x811c9dc5): number {
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

/** mulberry32: tiny, fast, good enough; returns uint32 values. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return (t ^ (t >>> 14)) >>> 0;
  };
}

/** Seed for (model, prompt); a NUL separator keeps ("ab","c") != ("a","bc"). */
export function seedFor(model: string, prompt: string): number {
  return fnv1a(prompt, fnv1a("\u0000", fnv1a(model)));
}

/**
 * Deterministic completion for `prompt` on `model`. The natural length is in
 * [MIN_COMPLETION_TOKENS, MAX_COMPLETION_TOKENS] and ends with "."
 * (finish "stop"); a smaller `maxTokens` truncates it (finish "length").
 */
export function generateCompletion(model: string, prompt: string, maxTokens?: number | null): Completion {
  const rnd = prng(seedFor(model, prompt));
  const natural = MIN_COMPLETION_TOKENS + (rnd() % (MAX_COMPLETION_TOKENS - MIN_COMPLETION_TOKENS + 1));
  const cap = maxTokens == null ? natural : Math.max(0, Math.floor(maxTokens));
  const n = Math.min(natural, cap);
  const pieces: string[] = new Array<string>(n);
  const V = VOCAB.length;
  let inSentence = 0; // words in the current sentence
  let target = 4 + (rnd() % 9); // sentence length in words, 4..12
  let lastWasWord = false;
  for (let i = 0; i < n; i++) {
    let piece: string;
    if (i === natural - 1) {
      piece = "."; // natural completions always end a sentence
    } else if (lastWasWord && inSentence >= target && i < natural - 3) {
      piece = ".";
      inSentence = 0;
      target = 4 + (rnd() % 9);
    } else if (lastWasWord && inSentence >= 3 && inSentence < target - 1 && i < natural - 2 && rnd() % 8 === 0) {
      piece = ",";
    } else {
      const w = rnd() % V;
      piece = inSentence > 0 ? MID[w]! : i === 0 ? START_FIRST[w]! : START_NEXT[w]!;
      inSentence++;
    }
    lastWasWord = piece !== "." && piece !== ",";
    pieces[i] = piece;
  }
  return { pieces, finishReason: n < natural ? "length" : "stop" };
}

const REFUSAL_PIECES = ["I'm", " sorry", ",", " but", " I", " can't", " help", " with", " that", "."];
/** Tokens a truncated answer keeps. */
const TRUNCATED_TOKENS = 4;

/** A completion reshaped to look poor by its own signals (fault `answer`): a refusal, or cut short with finish "length". */
export function poorCompletion(out: Completion, kind: "refusal" | "truncated" | null): Completion {
  if (kind === "refusal") return { pieces: REFUSAL_PIECES, finishReason: "stop" };
  if (kind === "truncated") return { pieces: out.pieces.slice(0, TRUNCATED_TOKENS), finishReason: "length" };
  return out;
}

function isAsciiLetter(c: number): boolean {
  return (c >= 65 && c <= 90) || (c >= 97 && c <= 122);
}

function isDigit(c: number): boolean {
  return c >= 48 && c <= 57;
}

/** Whitespace is free: BPE merges a leading space into the next token. */
export function isSpace(c: number): boolean {
  return c <= 32 || c === 0xa0 || c === 0x2028 || c === 0x2029 || c === 0xfeff || (c >= 0x2000 && c <= 0x200b) || c === 0x3000;
}

/**
 * End (exclusive) of the token starting at `i`, which must not be whitespace.
 * Rough BPE-like tokens:
 *  - an ASCII letter run is one token per started 8 letters;
 *  - a digit run is one token per started 3 digits (like cl100k);
 *  - any other character (punctuation, non-ASCII, an emoji) is one token.
 */
export function tokenEnd(text: string, i: number): number {
  const len = text.length;
  const c = text.charCodeAt(i);
  if (isAsciiLetter(c)) {
    const max = Math.min(len, i + 8);
    let j = i + 1;
    while (j < max && isAsciiLetter(text.charCodeAt(j))) j++;
    return j;
  }
  if (isDigit(c)) {
    const max = Math.min(len, i + 3);
    let j = i + 1;
    while (j < max && isDigit(text.charCodeAt(j))) j++;
    return j;
  }
  // A surrogate pair is one character.
  return i + (c >= 0xd800 && c <= 0xdbff && i + 1 < len ? 2 : 1);
}

/** Token count under the rules of tokenEnd (whitespace free), allocation-free. */
export function countTokens(text: string): number {
  let tokens = 0;
  const len = text.length;
  let i = 0;
  while (i < len) {
    if (isSpace(text.charCodeAt(i))) {
      i++;
    } else {
      i = tokenEnd(text, i);
      tokens++;
    }
  }
  return tokens;
}
