// Client load: a Poisson process per PoP whose rate follows a daily curve in
// the PoP's local solar time (from its longitude), prompts log-uniform over
// 100-4000 tokens, outputs uniform over 50-500 tokens. Generated once per run
// from its own random stream, so every policy sees the very same requests.
import { exponential, intBetween, logUniform, rng } from "./rng";
import type { Pop } from "./world";

export interface Request {
  readonly id: number;
  readonly pop: number;
  /** Virtual ms since the start of the run. */
  readonly at: number;
  readonly promptTokens: number;
  readonly outputTokens: number;
}

export interface LoadConfig {
  readonly seed: number;
  readonly durationMs: number;
  /** UTC hour of day at t = 0. */
  readonly startUtcHour: number;
  /** Requests per second per unit of PoP weight at the daily peak. */
  readonly ratePerWeight: number;
}

/** Share of the peak rate at a local hour: 30% at 04:00, 100% at 16:00, smooth in between. */
export function diurnal(localHour: number): number {
  return 0.3 + 0.7 * (0.5 - 0.5 * Math.cos((2 * Math.PI * (localHour - 4)) / 24));
}

export function localHour(lon: number, utcHour: number): number {
  return (((utcHour + lon / 15) % 24) + 24) % 24;
}

/** Mean requests per second of one PoP at virtual time `t`. */
export function popRate(pop: Pop, t: number, config: LoadConfig): number {
  const utc = config.startUtcHour + t / 3_600_000;
  return pop.weight * config.ratePerWeight * diurnal(localHour(pop.lon, utc));
}

/** Every request of the run, in arrival order. Exact non-homogeneous Poisson by thinning. */
export function generateLoad(pops: readonly Pop[], config: LoadConfig): Request[] {
  const out: Omit<Request, "id">[] = [];
  pops.forEach((pop, index) => {
    const random = rng(config.seed, `load:${pop.id}`);
    const peak = pop.weight * config.ratePerWeight; // diurnal() <= 1
    let t = 0;
    for (;;) {
      t += exponential(random, 1000 / peak);
      if (t >= config.durationMs) break;
      const accept = random() < popRate(pop, t, config) / peak;
      const promptTokens = Math.round(logUniform(random, 100, 4000));
      const outputTokens = intBetween(random, 50, 500);
      if (accept) out.push({ pop: index, at: t, promptTokens, outputTokens });
    }
  });
  out.sort((a, b) => a.at - b.at || a.pop - b.pop);
  return out.map((r, id) => ({ ...r, id }));
}
