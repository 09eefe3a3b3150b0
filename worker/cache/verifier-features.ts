// The features the verifier (verify() in ./similarity.ts) weighs for a pair of prompts (pure).
// Symmetric in the two prompts. Trained on by scripts/train-verifier.ts; the
// order of FEATURE_NAMES is the order of the shipped weights.

import { MARK_CODE, MARK_MODAL, MARK_NEGATION, MARK_NUMBER, MARK_PERSON, MARK_QUESTION, MARK_SCOPE, markDifferences, orderDescents, overlap, type WordSketch } from "./word-sketch";

export const FEATURE_NAMES = [
  "bias",
  "cosine",
  "cosine_above_0.8",
  "word_jaccard",
  "unmatched_words_log",
  "bigram_jaccard",
  "order_disagreement",
  "reordered",
  "moved_phrase",
  "same_content",
  "scope_differs",
  "question_word_differs",
  "person_differs",
  "modal_differs",
  "function_unmatched_log",
  "length_ratio",
  "min_tokens_log",
  "distance_x_length",
  "unmatched_x_length",
] as const;

export const FEATURE_COUNT = FEATURE_NAMES.length;

/** The sign each weight must keep (+1 agreement, -1 difference, 0 free): training holds a wrong-signed weight at zero. */
export const FEATURE_SIGNS: Readonly<Record<(typeof FEATURE_NAMES)[number], number>> = {
  bias: 0,
  cosine: 1,
  "cosine_above_0.8": 1,
  word_jaccard: 1,
  unmatched_words_log: -1,
  bigram_jaccard: 1,
  order_disagreement: -1,
  reordered: -1,
  moved_phrase: -1,
  same_content: 1,
  scope_differs: -1,
  question_word_differs: -1,
  person_differs: -1,
  modal_differs: -1,
  function_unmatched_log: -1,
  length_ratio: 1,
  min_tokens_log: 0,
  distance_x_length: -1,
  unmatched_x_length: -1,
};

/** Differences that no weighing may overrule: the answer is different. */
export interface HardDifferences {
  numbers: number;
  negations: number;
  code: number;
}

const jaccard = (shared: number, a: number, b: number): number => (a + b - shared === 0 ? 1 : shared / (a + b - shared));

/** Marks in one side only, per class. */
export interface SoftDifferences {
  scope: number;
  question: number;
  person: number;
  modal: number;
}

export function hardDifferences(a: WordSketch, b: WordSketch): HardDifferences & SoftDifferences {
  const d = markDifferences(a.marks, b.marks);
  return { numbers: d[MARK_NUMBER]!, negations: d[MARK_NEGATION]!, code: d[MARK_CODE]!, scope: d[MARK_SCOPE]!, question: d[MARK_QUESTION]!, person: d[MARK_PERSON]!, modal: d[MARK_MODAL]! };
}

/**
 * Writes the features of (a, b) into `out` (FEATURE_COUNT values) given their
 * cosine and mark differences; both fingerprints carry sketches.
 */
export function pairFeatures(sa: WordSketch, sb: WordSketch, cosine: number, diff: SoftDifferences, out: Float64Array): Float64Array {
  const wordShared = overlap(sa.words, sb.words);
  const unmatched = sa.words.length + sb.words.length - 2 * wordShared;
  const minTokens = Math.min(sa.tokens, sb.tokens);
  const maxTokens = Math.max(sa.tokens, sb.tokens);
  out[0] = 1;
  out[1] = cosine;
  out[2] = Math.max(0, cosine - 0.8) / 0.2;
  out[3] = jaccard(wordShared, sa.words.length, sb.words.length);
  out[4] = Math.log1p(unmatched);
  const bigramShared = overlap(sa.bigrams, sb.bigrams);
  out[5] = jaccard(bigramShared, sa.bigrams.length, sb.bigrams.length);
  const ab = orderDescents(sa, sb);
  const ba = orderDescents(sb, sa);
  const descents = Math.max(ab.descents, ba.descents);
  const soft = diff.scope + diff.question + diff.person + diff.modal;
  out[6] = ab.shared < 3 ? 0 : descents / (ab.shared - 1);
  const rotation = descents === 1 && ab.rotation && ba.rotation;
  // A pair joined by a direction word, reversed: "text to speech" / "speech to text" (even when other words moved too).
  const flipped = overlap(sa.directedReversed, sb.directed) > 0;
  // Word pairs broken beyond what changed words and a moved phrase explain: words swapped, even repeated ones ("in Ghana ... in England").
  const brokenBigrams = sa.bigrams.length + sb.bigrams.length - 2 * bigramShared > 3 * unmatched + (rotation ? 2 : 0);
  // Reordered: anything but the same order or one phrase moved from one end to the other. Even two
  // neighbouring words swapped ("Python list" / "list in Python") count: on PAWS, allowing that swap
  // let through 4% wrong hits, most of them swapped names.
  out[7] = (descents > 0 && !rotation) || brokenBigrams || flipped ? 1 : 0;
  out[8] = rotation ? 1 : 0;
  out[9] = unmatched === 0 && out[7] === 0 && soft === 0 ? 1 : 0;
  out[10] = Math.log1p(diff.scope);
  out[11] = diff.question > 0 ? 1 : 0;
  out[12] = diff.person > 0 ? 1 : 0;
  out[13] = diff.modal > 0 ? 1 : 0;
  out[14] = Math.log1p(sa.functionWords.length + sb.functionWords.length - 2 * overlap(sa.functionWords, sb.functionWords));
  out[15] = maxTokens === 0 ? 1 : minTokens / maxTokens;
  out[16] = Math.log1p(minTokens);
  // In a long prompt a small distance or a single changed word can still be the whole difference.
  out[17] = (1 - cosine) * 10 * out[16]!;
  out[18] = out[4]! * out[16]!;
  return out;
}
