// How far a set's own labels let a cache's precision go on the pairs every
// cache answers. Pairs whose two prompts are the same question up to letter
// case, spacing, punctuation and an article ("How do I crack CLAT ?" / "How do
// I crack the CLAT?") are what every cache that answers repeats serves from
// each other, the strictest included; where a set labels some of those
// "different", each is a wrong hit no model can avoid, and on those pairs no
// cache is judged more precise than the share labelled "duplicate". Printed by
// eval:cache.
import type { LabelledPair } from "./pairs";

/** Case, spacing, sentence punctuation (not symbols: C++ / C, O- / O+, x > 0 / x < 0 stay apart) and the articles a, an, the. */
export function nearlyVerbatim(s: string): string {
  return s
    .toLowerCase()
    .replace(/[.,?!;:"'\u201c\u201d\u2018\u2019]+/g, " ")
    .replace(/\b(?:the|a|an)\b/g, " ")
    .replace(/\s+/g, " ")
    .trim();
}

export interface LabelCeiling {
  /** Pairs that are the same question up to nearlyVerbatim(). */
  pairs: number;
  /** Of them, labelled duplicate: on these pairs precision is at most duplicates / pairs. */
  duplicates: number;
  /** The ones labelled different, for a reader to judge. */
  different: LabelledPair[];
}

export function labelCeiling(pairs: readonly LabelledPair[]): LabelCeiling {
  const out: LabelCeiling = { pairs: 0, duplicates: 0, different: [] };
  for (const p of pairs) {
    if (nearlyVerbatim(p.a) !== nearlyVerbatim(p.b)) continue;
    out.pairs++;
    if (p.duplicate) out.duplicates++;
    else out.different.push(p);
  }
  return out;
}
