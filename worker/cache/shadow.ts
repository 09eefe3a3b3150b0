// Shadow verification of near-duplicate hits: a sampled share of them is
// also answered by the origin, after the client has its cached answer (in
// waitUntil), and the two answers are compared (shadow-compare.ts). The
// verdicts are the tenant's measured precision; the calls are the operator's
// cost (see worker/pipeline/shadow-meter.ts).
import { jsonEntry, sseEntry, asJson, type CacheEntry } from "./entry";
import { fingerprintPass } from "./embedder";
import { answerText, compareAnswers, type ShadowVerdict } from "./shadow-compare";

/** Origin answers larger than this are not compared (nor stored by the cache). */
const MAX_ANSWER_BYTES = 512 * 1024;

/** Whether this hit is one of the sampled share; `share` outside [0, 1] counts as 0 or 1. */
export function sampled(share: number, random: number = Math.random()): boolean {
  return Number.isFinite(share) && random < share;
}

export interface ShadowResult {
  /** Null when the answers could not be compared (no text, too large, another model answered); `unsure` is not a verdict either. */
  verdict: ShadowVerdict | null;
  input_tokens: number;
  output_tokens: number;
  /** The origin's answer as an entry (a wrong hit's request gets it as its own exact entry). */
  entry: CacheEntry | null;
}

/**
 * Reads the origin's complete answer and compares it with the cached entry.
 * Null when the origin's answer is not a complete 200 (no evidence, no charge).
 */
export async function judge(cached: CacheEntry, fresh: Response, stream: boolean, sameModel: boolean, exactOnly = false): Promise<ShadowResult | null> {
  if (fresh.status !== 200) {
    await fresh.body?.cancel();
    return null;
  }
  const raw = await fresh.text();
  const entry = stream ? sseEntry(raw) : jsonEntry(raw);
  if (!entry) return null;
  const usage = usageOf(entry);
  const cachedText = answerText(cached);
  const freshText = raw.length <= MAX_ANSWER_BYTES ? answerText(entry) : null;
  const verdict = sameModel && cachedText !== null && freshText !== null ? compareAnswers(cachedText, freshText, fingerprintPass, exactOnly) : null;
  return { verdict, ...usage, entry: freshText !== null ? entry : null };
}

function usageOf(entry: CacheEntry): { input_tokens: number; output_tokens: number } {
  try {
    const u = (JSON.parse(asJson(entry)) as { usage?: { prompt_tokens?: unknown; completion_tokens?: unknown } }).usage;
    return { input_tokens: whole(u?.prompt_tokens), output_tokens: whole(u?.completion_tokens) };
  } catch {
    return { input_tokens: 0, output_tokens: 0 };
  }
}

const whole = (n: unknown): number => (typeof n === "number" && Number.isFinite(n) && n > 0 ? Math.round(n) : 0);
