// Prompt markers: integer counts of evidence for code, maths, extraction/
// formatting and summarisation, plus non-ASCII characters and lines, taken in
// the fingerprint's single pass over the prompt (wasm/assembly/fingerprint.ts
// and wasm/reference/embedding-reference.ts count them identically) so that the
// `model: "auto"` classifier needs no second tokenisation. Counts, not verdicts:
// the classifier weighs them (per token) next to the embedding.
//
// What counts, over the bytes the fingerprint reads (its first 1 MiB):
// - code: each `{` `}` `;` `` ` ``; each pair `=> == != -> :: </ /> && || () [] ++ += -= /* */`
//   at a byte that separates tokens; each `_` between two ASCII letters or digits
//   (snake_case); each newline followed by a tab or four spaces (an indented
//   line); each token with an ASCII capital after a lowercase letter (camelCase,
//   "TypeError", "JavaScript"); each CODE keyword.
// - math: each token with a digit (a number); each `+ - * / ^ = < >` whose nearest
//   non-space neighbours are both operands (ASCII letter or digit, `(` `)`) and
//   one of them a digit ("3x + 7 = 25", "2^10", "x - 5"; not "a - b" or
//   "well-known"); each maths character (× ÷ ² ³ ¼ ½ ¾ π −, U+2200–U+22FF); each
//   MATH keyword.
// - structured: each STRUCTURED keyword; summary: each SUMMARY keyword.
// - nonAscii: non-ASCII characters (a decoded code point, or one invalid byte).
// - lines: newline bytes.
// Keywords match a word token (lowercased, clitic stripped: "Python's" is
// "python"; numbers and "n't" forms never match) or two consecutive word tokens
// ("how many", "tl;dr"). Plurals and spellings are listed explicitly.

import { pairHash, termHashes } from "./term-hashes";

/** Keyword kinds, numbered as the markers' first four fields (0: none). */
export const KIND_CODE = 1;
export const KIND_MATH = 2;
export const KIND_STRUCTURED = 3;
export const KIND_SUMMARY = 4;

/**
 * Languages, tools and words of programming. Left out on purpose because they are
 * ordinary English too: let, for, if, else, while, try, catch, new, this, go, true,
 * false, none, test, package, program, commit, deploy, server, thread, library, object.
 */
const CODE = `
python javascript typescript java kotlin swift rust golang cpp csharp ruby php perl scala haskell elixir lua matlab
sql mysql postgres postgresql sqlite mongodb redis bash zsh powershell html css regex regexp react vue angular
nodejs js npm pip pandas numpy kubectl makefile flexbox div docker dockerfile kubernetes git github linux api apis
sdk http
def func fn function functions return returns import const var async await struct enum lambda null nil undefined
void int bool boolean str string strings array arrays dict hashmap tuple pointer pointers malloc printf println
console stdout stderr elif self class classes interface method methods constructor inheritance instance
variable variables loop loops recursion recursive iterate algorithm algorithms code coding programming programmer
script scripts snippet refactor repo repository compile compiles compiler runtime syntax bug bugs debug debugging
error errors exception exceptions traceback stacktrace segfault query queries database endpoint backend frontend
framework module modules implement unittest pytest sudo grep curl chmod mkdir cron nginx localhost mutex
goroutine goroutines concurrency
`;

/** Maths and reasoning. Left out: mean, times, plus, root, area, limit, series, interest, log (ordinary English, or code). */
const MATH = `
solve solving equation equations integral integrate derivative derivatives differentiate probability probabilities
prove proof proofs calculate calculation compute sum percent percentage average median variance deviation ratio
fraction fractions divide divided divisible multiply multiplied minus squared cubed sqrt prime primes integer
integers factorial logarithm exponent exponential polynomial quadratic algebra geometry triangle perimeter diameter
radius angle angles vector vectors matrix determinant eigenvalue eigenvalues theorem induction infinity statistics
odds dice digits arithmetic calculus gcd lcm modulo simplify inequality sin cos tan math maths mathematics equals
formula compounded logic puzzle riddle
how_many how_much expected_value square_root
`;

/** Extraction and formatting: structured output, conversion, labelling, rewriting a given text. */
const STRUCTURED = `
json jsonl yaml yml csv tsv xml markdown table tables schema format formatted formatting reformat field fields
column columns row rows list lists bullet bullets bulleted convert parse extract extraction template spreadsheet
classify categorize categorise label labels tag sentiment translate rewrite reword rephrase normalize normalise
standardize standardise alphabetical uppercase lowercase capitalize dedupe redact anonymize anonymise grammar
spelling punctuation proofread paraphrase entities entity category categories key_value pull_out
`;

/** Asking for a summary. Words for the text itself (article, abstract, notes) are left out: they describe content, not the request. */
const SUMMARY = `
summarize summarise summarized summarised summarizing summarising summary summaries tldr recap condense condensed
gist takeaway takeaways rundown synopsis overview briefly brief concise distill shorten outline highlights essentials
tl_dr key_points main_points sum_up boil_down in_short short_version main_idea main_themes
`;

/** Keywords separated by white space; the words of a two-word keyword joined by `_`. */
function entries(list: string): string[][] {
  return list
    .trim()
    .split(/\s+/)
    .map((k) => k.split("_"));
}

export const MARKER_KEYWORDS: Readonly<Record<number, readonly string[][]>> = {
  [KIND_CODE]: entries(CODE),
  [KIND_MATH]: entries(MATH),
  [KIND_STRUCTURED]: entries(STRUCTURED),
  [KIND_SUMMARY]: entries(SUMMARY),
};

/** Slots of the keyword table: a power of two; about 360 entries make a load under 0.2, so most misses stop at the first slot. */
export const KEYWORD_SLOTS = 2048;

const encoder = new TextEncoder();

/** The table key of a keyword: [slot hash, check], as the fingerprint derives them from the token hashes. */
function keywordKey(words: readonly string[]): [number, number] {
  const [h1, check] = termHashes(encoder.encode(words[0]!));
  if (words.length === 1) return [h1, check];
  const [h1b, checkB] = termHashes(encoder.encode(words[1]!));
  return [pairHash(h1, h1b), pairHash(check, checkB)];
}

/** Entry bit: this word starts a two-word keyword, so the next word's pair is worth a probe. */
export const STARTS_PAIR = 0x100;
const KIND_BITS = 0xff;

let table: Int32Array | null = null;

/**
 * The keywords as an open-addressing table of KEYWORD_SLOTS slots, two int32 each:
 * [check, entry]; slot = key & (KEYWORD_SLOTS - 1), linear probing, entry 0 = empty.
 * An entry is the keyword's kind, plus STARTS_PAIR on first words of two-word
 * keywords (kind 0 when the word alone is no keyword: "how" of "how many").
 * The wasm receives a copy; the reference probes it directly.
 */
export function keywordTable(): Int32Array {
  if (table) return table;
  const t = new Int32Array(KEYWORD_SLOTS * 2);
  const mask = KEYWORD_SLOTS - 1;
  /** The slot holding this key, or the empty slot where it belongs. */
  const find = (h1: number, check: number): number => {
    let slot = h1 & mask;
    while (t[slot * 2 + 1] !== 0 && t[slot * 2] !== check) slot = (slot + 1) & mask;
    return slot;
  };
  const add = (words: readonly string[], bits: number): void => {
    const [h1, check] = keywordKey(words);
    const slot = find(h1, check);
    const entry = t[slot * 2 + 1]!;
    if (entry & KIND_BITS && bits & KIND_BITS) throw new Error(`marker keyword listed twice: ${words.join(" ")}`);
    t[slot * 2] = check;
    t[slot * 2 + 1] = entry | bits;
  };
  for (const [kind, list] of Object.entries(MARKER_KEYWORDS)) {
    for (const words of list) {
      add(words, Number(kind));
      if (words.length === 2) add(words.slice(0, 1), STARTS_PAIR);
    }
  }
  return (table = t);
}

/** The entry of the term (or pair) with these hashes: kind | STARTS_PAIR, 0 if absent. */
export function keywordEntry(t: Int32Array, h1: number, check: number): number {
  const mask = KEYWORD_SLOTS - 1;
  let slot = h1 & mask;
  for (;;) {
    const entry = t[slot * 2 + 1]!;
    if (entry === 0 || t[slot * 2] === check) return entry;
    slot = (slot + 1) & mask;
  }
}

/** The marker kind of an entry (0: none). */
export const entryKind = (entry: number): number => entry & KIND_BITS;

// ---- byte rules -------------------------------------------------------------------

const isAlnum = (b: number) => (b >= 0x30 && b <= 0x39) || ((b | 0x20) >= 0x61 && (b | 0x20) <= 0x7a);
const isDigit = (b: number) => b >= 0x30 && b <= 0x39;
/** What can stand beside an arithmetic operator. */
const isOperand = (b: number) => isAlnum(b) || b === 0x28 || b === 0x29;

/** Bytes that may count for a marker when they separate tokens (everything else is skipped at once). */
export const MARKER_BYTES = "\n{};`_=!-:</&|([+*^>";

/** Two bytes that are code: => == != -> :: </ /> && || () [] ++ += -= /* *\/ */
export function isCodePair(b: number, c: number): boolean {
  switch (b) {
    case 0x3d: // =
      return c === 0x3e || c === 0x3d;
    case 0x21: // !
      return c === 0x3d;
    case 0x2d: // -
      return c === 0x3e || c === 0x3d;
    case 0x3a: // :
      return c === 0x3a;
    case 0x3c: // <
      return c === 0x2f;
    case 0x2f: // /
      return c === 0x3e || c === 0x2a;
    case 0x26: // &
      return c === 0x26;
    case 0x7c: // |
      return c === 0x7c;
    case 0x28: // (
      return c === 0x29;
    case 0x5b: // [
      return c === 0x5d;
    case 0x2b: // +
      return c === 0x2b || c === 0x3d;
    case 0x2a: // *
      return c === 0x2f;
    default:
      return false;
  }
}

/** + - * / ^ = < > */
export function isOperator(b: number): boolean {
  return b === 0x2b || b === 0x2d || b === 0x2a || b === 0x2f || b === 0x5e || b === 0x3d || b === 0x3c || b === 0x3e;
}

/** Whether the operator at input[i] is arithmetic: operands on both sides (spaces skipped), one of them a digit. */
export function isArithmetic(input: Uint8Array, i: number, n: number): boolean {
  let p = i - 1;
  while (p >= 0 && input[p] === 0x20) p--;
  let q = i + 1;
  while (q < n && input[q] === 0x20) q++;
  if (p < 0 || q >= n) return false;
  const a = input[p]!;
  const c = input[q]!;
  return isOperand(a) && isOperand(c) && (isDigit(a) || isDigit(c));
}

/** `_` inside an identifier: letters or digits on both sides. */
export function isIdentifierUnderscore(input: Uint8Array, i: number, n: number): boolean {
  return i > 0 && i + 1 < n && isAlnum(input[i - 1]!) && isAlnum(input[i + 1]!);
}

/** A newline at input[i] starting an indented line: a tab or four spaces. */
export function isIndentedLine(input: Uint8Array, i: number, n: number): boolean {
  if (i + 1 < n && input[i + 1] === 0x09) return true;
  return i + 4 < n && input[i + 1] === 0x20 && input[i + 2] === 0x20 && input[i + 3] === 0x20 && input[i + 4] === 0x20;
}

/** × ÷ ² ³ ¼ ½ ¾ π − and the Mathematical Operators block. */
export function isMathCodePoint(cp: number): boolean {
  return cp === 0xd7 || cp === 0xf7 || cp === 0xb2 || cp === 0xb3 || (cp >= 0xbc && cp <= 0xbe) || cp === 0x3c0 || (cp >= 0x2200 && cp <= 0x22ff);
}
