// Whether the origin's fresh answer agrees with the answer a near-duplicate
// hit replayed (pure but for the wasm embedder). The two prompts differ (that
// is what a near-duplicate is), so even a greedy, seeded model words the two
// answers differently when both are right: identical text is proof of
// agreement, but different text is not proof of a wrong hit. Answers that
// are not identical are compared by meaning: the same wasm fingerprint the
// cache uses for prompts, applied to the answers, must reach ANSWER_COSINE
// and share most salient items (numbers, names, negations, rare words).
import { asJson, type CacheEntry } from "./entry";
import { fingerprintPass } from "./embedder";
import type { PromptFingerprint } from "./fingerprint";
import { cosine } from "./similarity";

/**
 * Cosine of the two answers' embeddings at or above which they say the same
 * thing. A design value, not tuned on labelled answer pairs (none are at
 * hand): well below the prompt cut (0.93), because two right answers to
 * paraphrased prompts are longer and freer in wording than the prompts.
 */
export const ANSWER_COSINE = 0.9;
/** Share of salient items (Jaccard) the two answers must have in common. */
export const ANSWER_SALIENT_OVERLAP = 0.5;

export type Compared = "exact" | "embedding";

export interface ShadowVerdict {
  agree: boolean;
  compared: Compared;
  /** The answers' cosine (1 when identical). */
  similarity: number;
}

/** The text of every choice of a stored answer, in order; null when it has none. */
export function answerText(entry: CacheEntry): string | null {
  let parsed: { choices?: unknown };
  try {
    parsed = JSON.parse(asJson(entry)) as { choices?: unknown };
  } catch {
    return null;
  }
  if (!Array.isArray(parsed.choices) || parsed.choices.length === 0) return null;
  const texts: string[] = [];
  for (const c of parsed.choices as { text?: unknown; message?: { content?: unknown; tool_calls?: unknown } }[]) {
    const content = c?.message ? c.message.content : c?.text;
    const tools = c?.message?.tool_calls;
    texts.push((typeof content === "string" ? content : "") + (tools ? JSON.stringify(tools) : ""));
  }
  return texts.join("\n\u0000\n");
}

/** Compares the replayed answer with the origin's: identical (after whitespace) agrees at once, else by meaning. */
export function compareAnswers(cached: string, fresh: string): ShadowVerdict {
  const a = normalise(cached);
  const b = normalise(fresh);
  if (a === b) return { agree: true, compared: "exact", similarity: 1 };
  const fa = fingerprintPass(a);
  const fb = fingerprintPass(b);
  if (fa.known === 0 || fb.known === 0) return { agree: false, compared: "exact", similarity: 0 };
  const similarity = cosine(fa.vector, fb.vector);
  const agree = similarity >= ANSWER_COSINE && salientOverlap(fa, fb) >= ANSWER_SALIENT_OVERLAP;
  return { agree, compared: "embedding", similarity };
}

const normalise = (s: string): string => s.replace(/\s+/g, " ").trim();

/** Jaccard overlap of two sorted salient-hash arrays; 1 when both have none. */
export function salientOverlap(a: PromptFingerprint, b: PromptFingerprint): number {
  const x = a.salient;
  const y = b.salient;
  if (x.length === 0 && y.length === 0) return 1;
  let i = 0;
  let j = 0;
  let both = 0;
  while (i < x.length && j < y.length) {
    if (x[i] === y[j]) {
      both++;
      i++;
      j++;
    } else if (x[i]! < y[j]!) i++;
    else j++;
  }
  return both / (x.length + y.length - both);
}
