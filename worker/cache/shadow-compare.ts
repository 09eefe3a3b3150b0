// Whether the origin's fresh answer agrees with the answer a near-duplicate
// hit replayed (pure: the embedder is passed in, the wasm one in the worker).
//
// - Identical text (after whitespace) agrees.
// - A deterministic request (greedy, with a fixed seed: the client asked for
//   reproducible output) must get identical text: anything else disagrees.
//   This is strict: two right answers to two differently worded prompts can
//   be worded differently even under greedy decoding, so it errs towards
//   counting wrong hits (and a tighter cut), never towards hiding them.
// - Otherwise the answers are compared by meaning with the wasm fingerprint
//   the cache uses for prompts. It separates sentences that say the same thing
//   from those that do not only weakly (see eval/shadow-compare-eval.ts), so
//   it judges only where it is nearly sure: clearly apart (cosine below
//   ANSWER_APART) disagrees, clearly together (cosine at least ANSWER_TOGETHER
//   and most salient items shared) agrees, and the band between is unsure:
//   counted as such, never as a verdict.
import { asJson, type CacheEntry } from "./entry";
import type { PromptFingerprint } from "./fingerprint";
import { cosine } from "./similarity";

/**
 * Below this cosine two answers are about different things. Chosen on the
 * tuning parts (MRPC train, STS-B train) so that at most 0.5% of same-meaning
 * pairs fall below it (0.07% and 0.50%); it catches 0.2% and 14% of the
 * different ones there. Held-out figures: eval/shadow-compare-eval.ts.
 */
export const ANSWER_APART = 0.4;
/** At or above this cosine, with ANSWER_SALIENT_OVERLAP, two answers say the same thing. */
export const ANSWER_TOGETHER = 0.9;
/** Share of salient items (Jaccard) two agreeing answers must have in common. */
export const ANSWER_SALIENT_OVERLAP = 0.5;

export type Compared = "exact" | "embedding";

export interface ShadowVerdict {
  outcome: "agree" | "disagree" | "unsure";
  compared: Compared;
  /** The answers' cosine (1 when identical; 0 when not computed). */
  similarity: number;
}

/** Greedy decoding with a fixed seed: the client asked for the same text for the same prompt. */
export function deterministic(body: Record<string, unknown>): boolean {
  const greedy = body.temperature === 0 || body.top_k === 1;
  return greedy && typeof body.seed === "number" && Number.isInteger(body.seed);
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

/**
 * Compares the replayed answer with the origin's. `embed`: the wasm
 * fingerprint in the worker (the TypeScript reference gives the same bits,
 * for evaluations in Node).
 */
export function compareAnswers(cached: string, fresh: string, embed: (text: string) => PromptFingerprint, exactOnly = false): ShadowVerdict {
  const a = normalise(cached);
  const b = normalise(fresh);
  if (a === b) return { outcome: "agree", compared: "exact", similarity: 1 };
  if (exactOnly) return { outcome: "disagree", compared: "exact", similarity: 0 };
  const fa = embed(a);
  const fb = embed(b);
  if (fa.known === 0 || fb.known === 0) return { outcome: "unsure", compared: "embedding", similarity: 0 };
  const similarity = cosine(fa.vector, fb.vector);
  if (similarity < ANSWER_APART) return { outcome: "disagree", compared: "embedding", similarity };
  const together = similarity >= ANSWER_TOGETHER && salientOverlap(fa, fb) >= ANSWER_SALIENT_OVERLAP;
  return { outcome: together ? "agree" : "unsure", compared: "embedding", similarity };
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
