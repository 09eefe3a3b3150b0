// How a tenant's near-duplicate threshold follows the cache's measured
// precision (pure). Evidence is counted since the cut last changed: answers
// the origin confirmed (`agree`) and wrong hits (shadow disagreements and
// thumbs-down). The cut tightens as soon as the evidence says precision is
// below the target (the 95% Wilson upper bound is under it), and loosens
// only slowly: after at least LOOSEN_EVIDENCE verdicts whose Wilson lower
// bound reaches the target, halfway back towards the configured value.
// Higher is stricter, whatever produces the score (cosine or a verifier).

/** Never stricter than this: at 1.0 nothing but identical fingerprints would hit. */
export const MAX_CUT = 0.999;
/** Verdicts since the last change needed before the cut may loosen. */
export const LOOSEN_EVIDENCE = 200;
/** A loosened cut this close to the configured one is dropped altogether. */
const NEGLIGIBLE = 0.001;
/** A wrong hit's own score must fall under the new cut by at least this much. */
const MARGIN = 0.001;
/** 95% two-sided. */
const Z = 1.96;

export interface CutState {
  /** The tightened cut; null: none (the configured or shipped threshold applies). */
  cut: number | null;
  /** Verdicts since the cut last changed. */
  agree: number;
  wrong: number;
  /** The highest score of a wrong near-duplicate hit since the last change (null: none known). */
  worstWrong: number | null;
}

export interface CutPolicy {
  /** The tenant's configured threshold, or the shipped default. */
  configured: number;
  /** Required precision, e.g. 0.99. */
  target: number;
}

export const NO_EVIDENCE: CutState = { cut: null, agree: 0, wrong: 0, worstWrong: null };

/** The 95% Wilson score interval of `successes` out of `n`; [0, 1] without evidence. */
export function wilson(successes: number, n: number): { low: number; high: number } {
  if (!(n > 0) || !(successes >= 0) || successes > n) return { low: 0, high: 1 };
  const p = successes / n;
  const z2 = Z * Z;
  const centre = p + z2 / (2 * n);
  const spread = Z * Math.sqrt((p * (1 - p)) / n + z2 / (4 * n * n));
  const denominator = 1 + z2 / n;
  return { low: Math.max(0, (centre - spread) / denominator), high: Math.min(1, (centre + spread) / denominator) };
}

/** The cut a lookup uses: the stricter of the configured one and the tightened one. */
export function effectiveCut(state: Pick<CutState, "cut">, configured: number): number {
  return state.cut !== null && state.cut > configured ? state.cut : configured;
}

/** Adds one verdict; `score` is a wrong hit's similarity when known. */
export function withVerdict(state: CutState, correct: boolean, score: number | null = null): CutState {
  if (correct) return { ...state, agree: state.agree + 1 };
  const known = score !== null && score >= 0 && score <= 1 ? score : null;
  const worstWrong = known === null ? state.worstWrong : Math.max(state.worstWrong ?? 0, known);
  return { ...state, wrong: state.wrong + 1, worstWrong };
}

/** The state after applying the rule once; a changed cut restarts the evidence. */
export function nextCut(state: CutState, policy: CutPolicy): CutState {
  const configured = clampCut(policy.configured);
  // A cut the configuration has caught up with means nothing any more.
  const cut = state.cut !== null && state.cut > configured ? state.cut : null;
  const current = cut ?? configured;
  const n = state.agree + state.wrong;
  const { low, high } = wilson(state.agree, n);
  if (n > 0 && high < policy.target && current < MAX_CUT) {
    const halfway = current + (MAX_CUT - current) / 2;
    const pastWorst = state.worstWrong === null ? 0 : state.worstWrong + MARGIN;
    return { ...NO_EVIDENCE, cut: round(Math.min(MAX_CUT, Math.max(halfway, pastWorst))) };
  }
  if (cut !== null && n >= LOOSEN_EVIDENCE && low >= policy.target) {
    const back = configured + (cut - configured) / 2;
    return { ...NO_EVIDENCE, cut: back - configured < NEGLIGIBLE ? null : round(back) };
  }
  return cut === state.cut ? state : { ...state, cut };
}

function clampCut(x: number): number {
  return Number.isFinite(x) ? Math.min(MAX_CUT, Math.max(0, x)) : 0;
}

/** Cuts are published and compared as plain decimals. */
function round(x: number): number {
  return Math.round(x * 1e6) / 1e6;
}
