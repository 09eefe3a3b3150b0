// The word sketch of a prompt (pure): what the verifier (./verifier.ts) compares
// beyond the embedding. The embedding is a bag of weighted words and the salient
// set is sorted, so neither sees word order ("A beat B" / "B beat A"), nor a
// changed common word ("all" / "only", "python" / "java"). The sketch keeps, over
// the whole prompt:
// - content words (not in FUNCTION_WORDS) as sorted unique hashes, each with the
//   index of its first occurrence among the content words (order);
// - bigrams of consecutive content words (sorted unique hashes);
// - marked words, tagged by class in the top 4 bits: negations (counted: the
//   1st, 2nd, ... negation), scope and quantifier words, programming languages
//   and tools, question words, and numbers (digits or number words).
// Hashes are FNV-1a 32 over the lowercased token's UTF-16 units.

/** Classes of marked words (top 4 bits of a mark). */
export const MARK_NEGATION = 1;
export const MARK_SCOPE = 2;
export const MARK_CODE = 3;
export const MARK_QUESTION = 4;
export const MARK_NUMBER = 5;
export const MARK_PERSON = 6;
export const MARK_MODAL = 7;
export const MARK_CLASSES = 8;

export interface WordSketch {
  /** Tokens seen. */
  tokens: number;
  /** Sorted unique hashes of content words. */
  words: Uint32Array;
  /** For each entry of `words`: the rank of its first occurrence among the unique content words. */
  order: Uint16Array;
  /** Sorted unique hashes of function words (request boilerplate left out). */
  functionWords: Uint32Array;
  /** Sorted unique hashes of ordered content-word pairs joined by a direction word ("text to speech": text→speech). */
  directed: Uint32Array;
  /** The same pairs reversed (speech→text), to find a flipped direction with one merge. */
  directedReversed: Uint32Array;
  /** Sorted unique hashes of consecutive content-word pairs. */
  bigrams: Uint32Array;
  /** Sorted unique marks: class << 28 | 28-bit hash. */
  marks: Uint32Array;
}

const list = (s: string): string[] => s.trim().split(/\s+/);

/** Request boilerplate: ignored altogether ("Can you please tell me ..." = "..."). */
const BOILERPLATE = list(`please kindly pls plz thanks thank thx hi hello hey tell help want know need wondering`);

/** Words that carry little of a request's meaning alone; compared as a set of their own. Question, negation, scope, person and modal words are marked. */
const FUNCTION_WORDS = list(`
a an the is are was were be been being am do does did doing done have has had having of in on at to for from with by
as into onto and or but if so that this these those there here it its what which whose whom s t d ll ve re m just
really also very some any
`);

/** Grammatical person: "How do I ..." and "How do you ..." may be asked alike, "my" and "your" bucket list are not. */
const PERSONS = [`i me my mine myself`, `we us our ours ourselves`, `you your yours yourself yourselves`, `he him his himself`, `she her hers herself`, `they them their theirs themselves`].map(list);

const MODALS = list(`can could should would will shall may might must`);

const NEGATIONS = list(`not no never none nor nothing nobody neither nowhere without cannot cant dont doesnt didnt isnt arent wasnt werent wont wouldnt shouldnt couldnt hasnt havent hadnt aint`);

/** Scope, quantity, extremes, comparison and sequence: words that change which answer is right. */
const SCOPE = list(`
over under than then all only every each both either except excluding including first last next previous most least more less fewer
few many much several single multiple same different opposite best worst top bottom largest smallest biggest
highest lowest longest shortest maximum minimum max min before after between above below always sometimes often
rarely usually ever again still yet already entire whole partial exactly approximately about average total per
increase decrease add remove delete create update insert enable disable start stop open close buy sell send receive
upload download import export encrypt decrypt compress decompress encode decode install uninstall
`);

const QUESTION_WORDS = list(`how what why when where who which whether`);

/** Programming languages, runtimes, libraries and tools: a different one means a different answer. */
const CODE_NAMES = list(`
python javascript typescript java kotlin swift rust go golang c cpp c++ csharp c# ruby php perl scala haskell elixir
erlang lua matlab r julia dart objective sql mysql postgres postgresql sqlite mongodb redis bash zsh shell powershell
html css sass regex react vue angular svelte nextjs node nodejs deno npm yarn pip conda pandas numpy scipy pytorch
tensorflow keras django flask fastapi rails spring express jquery docker kubernetes kubectl helm terraform ansible
git github gitlab linux windows macos ubuntu debian aws azure gcp excel vba vim emacs vscode json yaml xml csv
`);

/** Words that give the two words around them a direction: "speech to text" != "text to speech". */
const DIRECTION_WORDS = new Set(list(`to into onto from than by vs versus per toward towards against`));

const NUMBER_WORDS = list(`
zero one two three four five six seven eight nine ten eleven twelve thirteen fourteen fifteen sixteen seventeen
eighteen nineteen twenty thirty forty fifty sixty seventy eighty ninety hundred thousand million billion trillion
half quarter double triple once twice dozen second third fourth fifth
`);

const FUNCTION = 1;
const IGNORED = 3;
const CLASS_OF = new Map<string, number>();
for (const w of FUNCTION_WORDS) CLASS_OF.set(w, FUNCTION);
for (const w of BOILERPLATE) CLASS_OF.set(w, IGNORED);
/** Person words map to their group's mark. */
const PERSON_OF = new Map<string, number>();
PERSONS.forEach((words, group) => {
  for (const w of words) {
    CLASS_OF.set(w, MARK_PERSON << 1);
    PERSON_OF.set(w, group + 1);
  }
});
for (const w of MODALS) CLASS_OF.set(w, MARK_MODAL << 1);
// Later lists win: "first" is scope, "second" a number, "c" a language.
for (const [words, cls] of [
  [QUESTION_WORDS, MARK_QUESTION],
  [SCOPE, MARK_SCOPE],
  [NUMBER_WORDS, MARK_NUMBER],
  [CODE_NAMES, MARK_CODE],
  [NEGATIONS, MARK_NEGATION],
] as const)
  for (const w of words) CLASS_OF.set(w, cls << 1);

/** The same by the word's hash (what the scan computes): class in the low byte, DIRECTION_BIT, and the person group above. */
const DIRECTION_BIT = 0x100;
const infoByHash = new Map<number, number>();
for (const [w, cls] of CLASS_OF) infoByHash.set(fnv1a(w), cls | ((PERSON_OF.get(w) ?? 0) << 9));
for (const w of DIRECTION_WORDS) infoByHash.set(fnv1a(w), (infoByHash.get(fnv1a(w)) ?? 0) | DIRECTION_BIT);
// As an open-addressing table over typed arrays: a Map keyed by 32-bit hashes boxes most of them.
const INFO_SLOTS = 2048;
const INFO_KEYS = new Uint32Array(INFO_SLOTS);
const INFO_VALUES = new Int32Array(INFO_SLOTS); // 0: empty (every listed word has a non-zero entry)
const infoSlot = (h: number): number => (Math.imul(h, 0x9e3779b1) >>> 21) & (INFO_SLOTS - 1);
for (const [h, v] of infoByHash) {
  let slot = infoSlot(h);
  while (INFO_VALUES[slot] !== 0) slot = (slot + 1) & (INFO_SLOTS - 1);
  INFO_KEYS[slot] = h;
  INFO_VALUES[slot] = v;
}
/** The entry of a word hash: class | DIRECTION_BIT | person group << 9; 0 when unlisted. */
function infoOf(h: number): number {
  let slot = infoSlot(h);
  for (;;) {
    const v = INFO_VALUES[slot]!;
    if (v === 0 || INFO_KEYS[slot] === h) return v;
    slot = (slot + 1) & (INFO_SLOTS - 1);
  }
}

const isDigit = (c: number) => c >= 0x30 && c <= 0x39;
const isAsciiLetter = (c: number) => c >= 0x61 && c <= 0x7a; // the text is lowercased first
/** Word characters: ASCII letters and digits, and non-ASCII outside the punctuation and symbol blocks. */
const isWordChar = (c: number) => isAsciiLetter(c) || isDigit(c) || (c >= 0xc0 && !(c >= 0x2000 && c <= 0x2bff) && !(c >= 0x3000 && c <= 0x303f) && c !== 0xd7 && c !== 0xf7);
/** The frames and leading phrases are looked for in this many first characters (where prompts put them); keeps the cost flat. */
const HEAD_CHARS = 400;

/** A clitic 's 're 'll 've 'd 'm dropped ("france's" -> "france"). */
function dropClitic(t: string): string {
  const q = t.lastIndexOf("'");
  if (q <= 0) return t;
  const suffix = t.length - q - 1;
  if (suffix === 1) {
    const c = t.charCodeAt(q + 1);
    return c === 0x73 || c === 0x64 || c === 0x6d ? t.slice(0, q) : t; // s d m
  }
  if (suffix === 2) {
    const x = t.slice(q + 1);
    return x === "re" || x === "ll" || x === "ve" ? t.slice(0, q) : t;
  }
  return t;
}

export function fnv1a(s: string): number {
  let h = 0x811c9dc5 | 0;
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 0x01000193);
  return h >>> 0;
}

const NOT = fnv1a("not");
/** An ordered pair of word hashes. */
const pairOf = (a: number, b: number): number => (Math.imul(a ^ 0x9e3779b9, 0x01000193) ^ b) >>> 0;
const mark = (cls: number, h: number): number => ((cls << 28) | (h & 0x0fffffff)) >>> 0;

/**
 * The unique hashes of `words`, sorted, each with the rank of its first occurrence
 * among the unique words: a small open-addressing table (hash -> rank), then one
 * numeric sort of the unique hashes.
 */
function uniqueWithRanks(words: readonly number[]): { sorted: Uint32Array; order: Uint16Array } {
  let cap = 16;
  while (cap < words.length * 2) cap *= 2;
  const mask = cap - 1;
  const keys = new Uint32Array(cap);
  const ranks = new Int32Array(cap).fill(-1);
  const unique = new Uint32Array(words.length);
  let count = 0;
  const slotOf = (h: number): number => {
    let slot = Math.imul(h, 0x9e3779b1) >>> 0 & mask;
    while (ranks[slot]! >= 0 && keys[slot] !== h) slot = (slot + 1) & mask;
    return slot;
  };
  for (let i = 0; i < words.length; i++) {
    const h = words[i]!;
    const slot = slotOf(h);
    if (ranks[slot]! < 0) {
      keys[slot] = h;
      ranks[slot] = count;
      unique[count++] = h;
    }
  }
  const sorted = unique.slice(0, count).sort();
  const order = new Uint16Array(count);
  for (let i = 0; i < count; i++) order[i] = Math.min(ranks[slotOf(sorted[i]!)]!, 0xffff);
  return { sorted, order };
}

/** Sorts and removes repeats in place; returns the unique prefix. */
function uniqueSorted(a: Uint32Array): Uint32Array {
  a.sort();
  let n = 0;
  for (let i = 0; i < a.length; i++) if (i === 0 || a[i] !== a[n - 1]) a[n++] = a[i]!;
  return a.slice(0, n);
}

/**
 * Request frames that wrap a request without changing it, at the start of a
 * sentence: "Could you (please) tell me", "Can you", "I'd like you to", "I was
 * wondering", "Dear assistant,". Removed before the words are read.
 */
const REQUEST_FRAME =
  /(^|[.!?\n]\s*)(?:(?:dear|hi|hello|hey)\s+(?:assistant|there|bot)\b[,!.]?\s*)?(?:(?:please|kindly)\s+)?(?:(?:could|can|would|will)\s+you\s+(?:please\s+|kindly\s+)?(?:(?:tell|show|give)\s+me\s+|help\s+me\s+(?:to\s+)?)?|i(?:'d|\s+would)\s+(?:like|love)\s+(?:you\s+)?to\s+(?:know\s+)?|i\s+(?:want|need)\s+(?:you\s+)?to\s+(?:know\s+)?|i(?:'m|\s+am|\s+was)?\s+wonder(?:ing)?\s+(?:if\s+you\s+could\s+(?:tell\s+me\s+)?)?|i'd\s+really\s+appreciate\s+it\s+if\s+you\s+could\s+|(?:please\s+)?(?:tell|show|give)\s+me\s+)/g;

/**
 * A leading adverbial phrase ended by a comma (or colon) is moved to the end of its
 * sentence: "In React, how do I X?" reads as "how do I X in React", the order
 * the same request is often written in.
 */
const LEADING_PHRASE =
  /(^|[.!?\n]\s*)((?:in|from|with|using|for|when|while|as|after|before|on|at|if|by|during|within|without|via|through|given)\b[^,:.!?\n]{1,80})[,:]\s*([^:.!?\n]+)/g;

/** The text the words are read from: lowercased, ’ as ', request frames dropped and a leading phrase moved, in the head. */
function prepare(text: string): string {
  const lower = text.toLowerCase().replace(/’/g, "'");
  const head = lower.length > HEAD_CHARS ? lower.slice(0, HEAD_CHARS) : lower;
  const rest = lower.length > HEAD_CHARS ? lower.slice(HEAD_CHARS) : "";
  return head.replace(REQUEST_FRAME, "$1").replace(LEADING_PHRASE, "$1$3 $2") + rest;
}

export function wordSketch(text: string): WordSketch {
  const lower = prepare(text);
  const words: number[] = [];
  const functionWords: number[] = [];
  const marks: number[] = [];
  const directed: number[] = [];
  const directedReversed: number[] = [];
  /** Content words so far when the last direction word was read (-1: none since the last content word). */
  let directionAfter = -1;
  let tokens = 0;
  let negations = 0;
  const n = lower.length;
  let i = 0;
  const addNegation = (): void => {
    marks.push(mark(MARK_NEGATION, ++negations));
    words.push(NOT); // where the negation stands matters: "isn't who has" != "is who doesn't have"
  };
  while (i < n) {
    // A token: word characters, an apostrophe before a letter, "." or "," between digits; then "++" or "#" (c++, c#).
    // Its FNV-1a hash is taken on the way, with the hash before its last character (to fold a plural "-s").
    if (!isWordChar(lower.charCodeAt(i))) {
      i++;
      continue;
    }
    const start = i;
    let hasDigit = false;
    let hasApos = false;
    let hasComma = false;
    let h = 0x811c9dc5 | 0;
    let hPrev = h;
    let last = 0;
    let prev = 0;
    let end = -1; // set when "++" or "#" closes the token
    while (i < n) {
      let c = lower.charCodeAt(i);
      if (end >= 0) {
        if (i === end) break;
      } else if (isWordChar(c)) {
        if (isDigit(c)) hasDigit = true;
      } else if (c === 0x27 && i + 1 < n && isAsciiLetter(lower.charCodeAt(i + 1))) hasApos = true;
      else if ((c === 0x2e || c === 0x2c) && i + 1 < n && isDigit(lower.charCodeAt(i - 1)) && isDigit(lower.charCodeAt(i + 1))) {
        if (c === 0x2c) hasComma = true;
      } else if (c === 0x2b && i + 1 < n && lower.charCodeAt(i + 1) === 0x2b) end = i + 2;
      else if (c === 0x23) end = i + 1;
      else break;
      c = lower.charCodeAt(i);
      hPrev = h;
      h = Math.imul(h ^ c, 0x01000193);
      prev = last;
      last = c;
      i++;
    }
    tokens++;
    if (hasDigit) {
      // A number is a mark and, for order, a content word: "6th ... 7th" != "7th ... 6th".
      const hn = hasComma ? fnv1a(lower.slice(start, i).replace(/,/g, "")) : h >>> 0;
      marks.push(mark(MARK_NUMBER, hn));
      words.push(hn);
      continue;
    }
    let folded: number;
    if (hasApos) {
      // Rare: n't, clitics and names with apostrophes take the string path.
      let t = lower.slice(start, i);
      if (t.length > 3 && t.endsWith("n't")) {
        addNegation();
        t = t.slice(0, -3);
        if (t === "ca") t = "can";
        else if (t === "wo") t = "will";
      } else t = dropClitic(t);
      h = fnv1a(t);
      folded = fnv1a(fold(t));
    } else {
      h = h >>> 0;
      const len = i - start;
      folded = len >= 4 && last === 0x73 && prev !== 0x73 && prev !== 0x75 && prev !== 0x69 ? hPrev >>> 0 : h;
    }
    const info = infoOf(h);
    if (info & DIRECTION_BIT && words.length > 0) directionAfter = words.length;
    const cls = info & 0xff;
    if (cls === IGNORED) continue;
    if (cls === FUNCTION) {
      functionWords.push(h);
      continue;
    }
    if (cls !== 0) {
      const c = cls >> 1;
      if (c === MARK_NEGATION) {
        addNegation();
        continue;
      }
      if (c === MARK_PERSON || c === MARK_MODAL) {
        marks.push(mark(c, c === MARK_PERSON ? info >> 9 : h));
        functionWords.push(h);
        continue;
      }
      marks.push(mark(c, folded));
    }
    if (directionAfter === words.length && !(info & DIRECTION_BIT)) {
      const before = words[words.length - 1]!;
      directed.push(pairOf(before, folded));
      directedReversed.push(pairOf(folded, before));
      directionAfter = -1;
    }
    words.push(folded);
  }
  const { sorted, order } = uniqueWithRanks(words);
  const bigrams = new Uint32Array(Math.max(0, words.length - 1));
  for (let i = 1; i < words.length; i++) bigrams[i - 1] = pairOf(words[i - 1]!, words[i]!);
  return {
    tokens,
    words: sorted,
    order,
    functionWords: uniqueSorted(Uint32Array.from(functionWords)),
    directed: uniqueSorted(Uint32Array.from(directed)),
    directedReversed: uniqueSorted(Uint32Array.from(directedReversed)),
    bigrams: uniqueSorted(bigrams),
    marks: uniqueSorted(Uint32Array.from(marks)),
  };
}

/** Folds a plural "-s" / "-es" (not "-ss", "-us", "-is"), so "lists" = "list". */
function fold(t: string): string {
  if (t.length < 4 || t.charCodeAt(t.length - 1) !== 0x73) return t;
  const p = t.charCodeAt(t.length - 2);
  if (p === 0x73 || p === 0x75 || p === 0x69) return t;
  return t.slice(0, -1);
}

/** Entries in both sorted unique arrays. */
export function overlap(a: Uint32Array, b: Uint32Array): number {
  let i = 0;
  let j = 0;
  let n = 0;
  while (i < a.length && j < b.length) {
    const x = a[i]!;
    const y = b[j]!;
    if (x === y) {
      n++;
      i++;
      j++;
    } else if (x < y) i++;
    else j++;
  }
  return n;
}

/** Per mark class, the marks in one side only (index = class). */
export function markDifferences(a: Uint32Array, b: Uint32Array): Uint16Array {
  const out = new Uint16Array(MARK_CLASSES);
  let i = 0;
  let j = 0;
  while (i < a.length || j < b.length) {
    const x = i < a.length ? a[i]! : 0xffffffff;
    const y = j < b.length ? b[j]! : 0xffffffff;
    if (x === y) {
      i++;
      j++;
    } else if (x < y) {
      out[x >>> 28]!++;
      i++;
    } else {
      out[y >>> 28]!++;
      j++;
    }
  }
  return out;
}

/**
 * Walking `a`'s shared content words in `a`'s order: how often `b`'s rank goes
 * down (0: same order; a phrase moved elsewhere: 1; two words or phrases swapped
 * far apart: 2), how many words are shared, whether the only descent is two
 * neighbouring words swapped ("text to speech" / "speech to text"), and whether
 * the order is a rotation (a phrase moved from one end to the other).
 */
export function orderDescents(a: WordSketch, b: WordSketch): { descents: number; shared: number; adjacentSwap: boolean; rotation: boolean } {
  const n = a.words.length;
  const byRankA = new Int32Array(n).fill(-1);
  let i = 0;
  let j = 0;
  let shared = 0;
  while (i < n && j < b.words.length) {
    const x = a.words[i]!;
    const y = b.words[j]!;
    if (x === y) {
      const r = a.order[i]!;
      if (r < n) byRankA[r] = b.order[j]!;
      shared++;
      i++;
      j++;
    } else if (x < y) i++;
    else j++;
  }
  // Compact to b's ranks in a's order.
  const seq = new Int32Array(shared);
  let k = 0;
  for (let r = 0; r < n; r++) if (byRankA[r]! >= 0) seq[k++] = byRankA[r]!;
  let down = 0;
  let at = -1;
  for (let r = 1; r < k; r++)
    if (seq[r]! < seq[r - 1]!) {
      down++;
      at = r - 1;
    }
  const adjacentSwap = down === 1 && (at === 0 || seq[at - 1]! < seq[at + 1]!) && (at + 2 >= k || seq[at]! < seq[at + 2]!);
  // One descent and the last word before the first in b: a phrase moved from one end to the other ("In React, how do I X?" / "How do I X in React?").
  const rotation = down === 1 && !adjacentSwap && seq[k - 1]! < seq[0]!;
  return { descents: down, shared, adjacentSwap, rotation };
}
