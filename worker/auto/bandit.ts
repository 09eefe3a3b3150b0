// The quality table's statistics (pure): for each (model, class), a Beta
// posterior of "good enough" made of the tenant's seeded quality and the
// ratings its users sent, sampled for Thompson sampling. The caller owns the
// storage (the tenant's object keeps the evidence) and the random source.
//
// Prior: α0 = q·n, β0 = (1 − q)·n. The seed counts as n ratings averaging q,
// and the posterior mean before any feedback is exactly q, so a seeded 0.75
// clears a 0.7 floor as the tenant wrote it (the textbook 1 + q·n would pull
// every seed towards 0.5 by (1 − 2q)/(n + 2), 0.02 for q = 0.75 and n = 10). q
// is clamped to [0.01, 0.99] so that both shapes stay positive.
//
// Evidence and forgetting: ratings r in [0, 1] add r to `good` and 1 − r to
// `bad`, after both are multiplied by `decay`. Evidence therefore never
// exceeds 1 / (1 − decay) ratings (50 at 0.98): the posterior follows roughly
// the last 50 ratings, so a silent quality drop moves the mean within a
// fraction of that, and its spread never shrinks to nothing, so Thompson
// sampling keeps exploring a little. The prior is kept apart and never
// decays: the tenant's seed stays an anchor worth n ratings, and changing it
// in the rules takes effect at once without discarding the evidence. The
// decay applies per rating of that cell, not per unit of time: a cell nobody
// rates keeps its evidence (no feedback is no news).

/** A uniform random source in [0, 1) (Math.random, or a seeded generator in tests and evaluations). */
export type Random = () => number;

export interface BetaPosterior {
  alpha: number;
  beta: number;
}

/** Decayed rating sums of one (model, class). */
export interface Evidence {
  good: number;
  bad: number;
}

/** Ratings the seeded quality is worth: 10 ratings that disagree with it move the mean halfway. */
export const DEFAULT_PRIOR_STRENGTH = 10;
/** What each new rating of a cell keeps of the evidence before it: a memory of about 50 ratings. */
export const EVIDENCE_DECAY = 0.98;

const MIN_SEED = 0.01;
const MAX_SEED = 0.99;
/** Shapes below this are treated as this, so corrupt statistics can never produce NaN. */
const MIN_SHAPE = 1e-3;

/** The posterior of a cell: the seeded prior plus its evidence. */
export function posterior(seed: number, strength: number, good: number, bad: number): BetaPosterior {
  const q = Math.min(MAX_SEED, Math.max(MIN_SEED, Number.isFinite(seed) ? seed : 0.5));
  const n = strength > 0 ? strength : DEFAULT_PRIOR_STRENGTH;
  return { alpha: q * n + nonNegative(good), beta: (1 - q) * n + nonNegative(bad) };
}

/** Adds one rating in [0, 1] (thumbs up = 1, down = 0) to `evidence`, in place, after decaying what was there. */
export function addRating(evidence: Evidence, rating: number, decay = EVIDENCE_DECAY): Evidence {
  const r = Math.min(1, Math.max(0, Number.isFinite(rating) ? rating : 0));
  evidence.good = evidence.good * decay + r;
  evidence.bad = evidence.bad * decay + (1 - r);
  return evidence;
}

export function posteriorMean(alpha: number, beta: number): number {
  const a = shape(alpha);
  return a / (a + shape(beta));
}

/** One draw from Beta(α, β): G1 / (G1 + G2) with G1 ~ Gamma(α), G2 ~ Gamma(β). */
export function sampleBeta(alpha: number, beta: number, random: Random): number {
  const x = sampleGamma(shape(alpha), random);
  const y = sampleGamma(shape(beta), random);
  const sum = x + y;
  // Both draws underflow to 0 only for tiny shapes; the mean is the honest answer then.
  return sum > 0 ? x / sum : posteriorMean(alpha, beta);
}

/**
 * One draw from Gamma(shape, 1) by Marsaglia and Tsang (2000): a squeezed
 * rejection sampler over a transformed normal, accepting ~98% of tries for
 * shape ≥ 1. A shape below 1 is boosted: Gamma(a) = Gamma(a + 1) · U^(1/a).
 */
export function sampleGamma(k: number, random: Random): number {
  if (k < 1) return sampleGamma(k + 1, random) * Math.pow(1 - random(), 1 / k);
  const d = k - 1 / 3;
  const c = 1 / Math.sqrt(9 * d);
  for (;;) {
    const x = standardNormal(random);
    const t = 1 + c * x;
    if (t <= 0) continue;
    const v = t * t * t;
    const u = 1 - random(); // (0, 1]: log(u) stays finite
    const x2 = x * x;
    if (u < 1 - 0.0331 * x2 * x2) return d * v;
    if (Math.log(u) < 0.5 * x2 + d * (1 - v + Math.log(v))) return d * v;
  }
}

/** Box–Muller; one uniform pair per draw, no cached spare, so a seeded source replays exactly. */
function standardNormal(random: Random): number {
  const u = 1 - random();
  const v = random();
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
}

function nonNegative(x: number): number {
  return x > 0 ? x : 0;
}

function shape(x: number): number {
  return x > MIN_SHAPE ? x : MIN_SHAPE;
}
