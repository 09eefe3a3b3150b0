// Seeded pseudo-random numbers (sfc32) and the few distributions the
// simulation draws from. Every source of randomness gets its own stream, so
// the arrival sequence is identical whatever the routing policy does.

export type Random = () => number;

/** A uniform [0, 1) generator from a 32-bit seed and a stream name. */
export function rng(seed: number, stream = ""): Random {
  let h = 2166136261 ^ seed;
  for (let i = 0; i < stream.length; i++) h = Math.imul(h ^ stream.charCodeAt(i), 16777619);
  let a = h >>> 0;
  let b = 0x9e3779b9;
  let c = 0x243f6a88 ^ seed;
  let d = 1;
  const next = (): number => {
    a >>>= 0;
    b >>>= 0;
    c >>>= 0;
    d >>>= 0;
    const t = (((a + b) | 0) + d) | 0;
    d = (d + 1) | 0;
    a = b ^ (b >>> 9);
    b = (c + (c << 3)) | 0;
    c = (c << 21) | (c >>> 11);
    c = (c + t) | 0;
    return (t >>> 0) / 4294967296;
  };
  for (let i = 0; i < 16; i++) next();
  return next;
}

/** Exponential with the given mean (Poisson inter-arrival times). */
export function exponential(random: Random, mean: number): number {
  return -mean * Math.log(1 - random());
}

/** Standard normal (Box-Muller). */
export function normal(random: Random): number {
  const u = 1 - random();
  const v = random();
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
}

/** Lognormal multiplier with median 1 and log-space spread sigma. */
export function lognormalFactor(random: Random, sigma: number): number {
  return Math.exp(sigma * normal(random));
}

/** Log-uniform on [lo, hi]: as many prompts of 100-200 tokens as of 2000-4000. */
export function logUniform(random: Random, lo: number, hi: number): number {
  return Math.exp(Math.log(lo) + random() * (Math.log(hi) - Math.log(lo)));
}

/** Integer uniform on [lo, hi]. */
export function intBetween(random: Random, lo: number, hi: number): number {
  return lo + Math.floor(random() * (hi - lo + 1));
}
