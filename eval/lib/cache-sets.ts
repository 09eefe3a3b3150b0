// The labelled pair sets the semantic cache is tuned and judged on, each split
// into its tuning and held-out parts by ./split.ts. Public sets are read from the
// shared data folder at run time (never copied into the repository); a missing
// file is reported and skipped.

import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { parsePairsJsonl, parseStsb, STSB_DIFFERENT_MAX, STSB_DUPLICATE_MIN, type LabelledPair } from "./pairs";
import { inSample, partOf, splitKey, type Part } from "./split";

export interface PairSet {
  /** Short name, also the split key's prefix. */
  name: string;
  /** Where the pairs come from and how they were labelled. */
  note: string;
  /** Ours (eval/cache-pairs.jsonl) or public. */
  own: boolean;
  /** Share of the set kept by the deterministic sample (1: all). */
  sample: number;
  tuning: LabelledPair[];
  heldOut: LabelledPair[];
  /** Pairs left out because both prompts are the same text (the exact cache's case; a "different" label there is an error). */
  identical: number;
}

/** At most this many pairs per set are read (a deterministic sample beyond): keeps `npm run eval:cache` to seconds. */
export const MAX_PAIRS_PER_SET = 12_000;

export function splitPairs(name: string, all: readonly LabelledPair[], maxPairs = MAX_PAIRS_PER_SET): { tuning: LabelledPair[]; heldOut: LabelledPair[]; sample: number; identical: number } {
  const pairs = all.filter((p) => p.a.trim() !== p.b.trim());
  const sample = pairs.length > maxPairs ? maxPairs / pairs.length : 1;
  const tuning: LabelledPair[] = [];
  const heldOut: LabelledPair[] = [];
  for (const p of pairs) {
    const key = splitKey(name, p);
    if (!inSample(key, sample)) continue;
    (partOf(key) === "tuning" ? tuning : heldOut).push(p);
  }
  return { tuning, heldOut, sample, identical: all.length - pairs.length };
}

export function partPairs(set: PairSet, part: Part): LabelledPair[] {
  return part === "tuning" ? set.tuning : set.heldOut;
}

/** Our pairs and every public set found under `dataDir` (../shared/data). */
export function loadPairSets(root: string, dataDir: string, log: (message: string) => void = console.error): PairSet[] {
  const sets: PairSet[] = [];
  const add = (name: string, note: string, own: boolean, pairs: LabelledPair[]) => sets.push({ name, note, own, ...splitPairs(name, pairs) });
  const ours = parsePairsJsonl(readFileSync(join(root, "eval", "cache-pairs.jsonl"), "utf8"));
  for (const e of ours.errors) log(`eval/cache-pairs.jsonl: ${e}`);
  add("own", "eval/cache-pairs.jsonl: hand-written prompts as apps send them, labelled by kind", true, ours.pairs);
  const public_: [string, string, string][] = [
    ["qqp", "paraphrase/qqp.jsonl", "Quora Question Pairs (dev subset), moderator labels (noisy)"],
    ["paws", "paraphrase/paws.jsonl", "PAWS-Wiki dev+test: adversarial word swaps, tokenised text"],
    ["mrpc", "paraphrase/mrpc.jsonl", "MRPC train+test: news sentences, loose paraphrase"],
  ];
  for (const [name, file, note] of public_) {
    const path = join(dataDir, file);
    if (!existsSync(path)) {
      log(`${path}: not found, skipped`);
      continue;
    }
    const { pairs, errors } = parsePairsJsonl(readFileSync(path, "utf8"));
    if (errors.length) log(`${path}: ${errors.length} malformed lines skipped`);
    add(name, note, false, pairs);
  }
  const stsb: LabelledPair[] = [];
  let ambiguous = 0;
  for (const file of ["sts-dev.csv", "sts-train.csv"]) {
    const path = join(dataDir, "stsb", file);
    if (!existsSync(path)) {
      log(`${path}: not found, skipped`);
      continue;
    }
    const r = parseStsb(readFileSync(path, "utf8"));
    ambiguous += r.ambiguous;
    stsb.push(...r.pairs.map((p) => ({ ...p, id: `${file}:${p.id}` })));
  }
  if (stsb.length) add("stsb", `STS-B dev+train, gold ≥ ${STSB_DUPLICATE_MIN} duplicate, ≤ ${STSB_DIFFERENT_MAX} different (${ambiguous} in between left out)`, false, stsb);
  return sets;
}
