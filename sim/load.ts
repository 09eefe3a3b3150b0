// Client load: a Poisson process per PoP whose rate follows a daily curve in
// the PoP's local solar time (from its longitude), times any surge, with
// prompt and output lengths from the scenario's distributions. Each arrival
// is streamed or not, may set max_tokens, may start with one of a population
// of shared prefixes (a tenant's system prompt, Zipf-popular), and may open a
// multi-turn session whose later turns carry the earlier ones. Generated once
// per run from its own random streams, so every policy sees the very same
// requests; arrival times and sizes come from the stream the simulation has
// always used, the new attributes from another, so a scenario without them
// reproduces the old runs exactly.
import { exponential, intBetween, logUniform, rng, type Random } from "./rng";
import { surgeFactor, type LoadSpec } from "./scenario";
import type { DailyCurve, TokenDist } from "./scenario-file";
import type { Pop } from "./world";

/** vLLM's block size: the prefix cache works in whole blocks. */
export const BLOCK_TOKENS = 16;
/** A session ends when its context would pass this. */
export const MAX_CONTEXT_TOKENS = 131_072;

export interface Request {
  readonly id: number;
  readonly pop: number;
  /** Virtual ms since the start of the run. */
  readonly at: number;
  readonly promptTokens: number;
  /** What the model will really produce (at most `cap`). */
  readonly outputTokens: number;
  readonly stream: boolean;
  /** max_tokens when the client set it, else null. */
  readonly cap: number | null;
  /** What affinity can key on: the tenant prefix (`p<k>`), else the session (`s<id>`); null for one-off prompts. */
  readonly prefixKey: string | null;
  /** Tokens of the prompt under that key that other requests share (the prefix, or the session's history). */
  readonly prefixTokens: number;
  readonly session: string | null;
  /** 1-based turn within the session; 0 outside one. */
  readonly turn: number;
  /** Hashes of the prompt's full blocks that other requests share, in order (unique content has none). */
  readonly blocks: readonly string[];
  /** Tokens an earlier request could have left in some engine's cache (the lower bound's best case). */
  readonly cacheableTokens: number;
}

export interface LoadConfig {
  readonly seed: number;
  readonly durationMs: number;
  /** UTC hour of day at t = 0. */
  readonly startUtcHour: number;
  readonly spec: LoadSpec;
}

/** Share of the peak rate at a local hour, in (0, 1]. */
export function dailyShare(curve: DailyCurve, localHour: number): number {
  switch (curve.kind) {
    case "flat":
      return 1;
    case "cosine":
      // Written as it always was (0.3 + 0.7 x ... with the trough at peak - 12) so the shipped runs reproduce bit for bit.
      return curve.min + (1 - curve.min) * (0.5 - 0.5 * Math.cos((2 * Math.PI * (localHour - (curve.peakHour - 12))) / 24));
    case "hourly": {
      const h = Math.floor(localHour) % 24;
      const f = localHour - Math.floor(localHour);
      return curve.values[h]! * (1 - f) + curve.values[(h + 1) % 24]! * f;
    }
  }
}

export function localHour(lon: number, utcHour: number): number {
  return (((utcHour + lon / 15) % 24) + 24) % 24;
}

/** Mean new arrivals per second at one PoP at virtual time `t` (session turns come on top). */
export function popRate(pop: Pop, index: number, t: number, config: LoadConfig): number {
  const utc = config.startUtcHour + t / 3_600_000;
  return pop.weight * config.spec.ratePerWeight * dailyShare(config.spec.dailyCurve, localHour(pop.lon, utc)) * surgeFactor(config.spec, index, t);
}

export function drawTokens(random: Random, d: TokenDist): number {
  switch (d.dist) {
    case "uniform":
      return intBetween(random, d.min, d.max);
    case "logUniform":
      return Math.round(logUniform(random, d.min, d.max));
    case "fixed":
      return d.value;
  }
}

/** The shared prefixes: sizes, block hashes and a Zipf sampler. */
interface Prefixes {
  readonly tokens: readonly number[];
  readonly blocks: readonly (readonly string[])[];
  pick(random: Random): number;
}

function prefixPopulation(spec: NonNullable<LoadSpec["prefixes"]>, seed: number): Prefixes {
  const random = rng(seed, "prefixes");
  const tokens: number[] = [];
  const blocks: string[][] = [];
  const cdf: number[] = [];
  let sum = 0;
  for (let k = 0; k < spec.count; k++) {
    const t = drawTokens(random, spec.tokens);
    tokens.push(t);
    blocks.push(Array.from({ length: Math.floor(t / BLOCK_TOKENS) }, (_, i) => `p${k}:${i}`));
    sum += 1 / Math.pow(k + 1, spec.zipf);
    cdf.push(sum);
  }
  return {
    tokens,
    blocks,
    pick(r) {
      const x = r() * sum;
      let lo = 0;
      let hi = cdf.length - 1;
      while (lo < hi) {
        const mid = (lo + hi) >> 1;
        if (cdf[mid]! > x) hi = mid;
        else lo = mid + 1;
      }
      return lo;
    },
  };
}

type Draft = Omit<Request, "id">;

/** Every request of the run, in arrival order. Exact non-homogeneous Poisson by thinning. */
export function generateLoad(pops: readonly Pop[], config: LoadConfig): Request[] {
  const spec = config.spec;
  const prefixes = spec.prefixes ? prefixPopulation(spec.prefixes, config.seed) : null;
  const out: Draft[] = [];
  pops.forEach((pop, index) => {
    const random = rng(config.seed, `load:${pop.id}`);
    const mix = rng(config.seed, `mix:${pop.id}`);
    let maxSurge = 1;
    for (const s of spec.surges) if (s.pops.includes(index)) maxSurge *= Math.max(1, s.factor);
    const peak = pop.weight * spec.ratePerWeight * maxSurge; // dailyShare() <= 1
    let t = 0;
    let sessions = 0;
    for (;;) {
      t += exponential(random, 1000 / peak);
      if (!(t < config.durationMs)) break;
      const accept = random() < popRate(pop, index, t, config) / peak;
      const unique = drawTokens(random, spec.promptTokens);
      const outputTokens = drawTokens(random, spec.outputTokens);
      if (!accept) continue;
      const stream = mix() < spec.streamShare;
      const capped = mix() < spec.cappedShare;
      const capOf = (output: number) => (capped ? Math.ceil(output * (spec.capOverOutput.min + mix() * (spec.capOverOutput.max - spec.capOverOutput.min))) : null);
      const k = prefixes && mix() < spec.prefixes!.share ? prefixes.pick(mix) : -1;
      const prefixTokens = k >= 0 ? prefixes!.tokens[k]! : 0;
      const prefixBlocks = k >= 0 ? prefixes!.blocks[k]! : [];
      const first: Draft = {
        pop: index,
        at: t,
        promptTokens: prefixTokens + unique,
        outputTokens,
        stream,
        cap: capOf(outputTokens),
        prefixKey: k >= 0 ? `p${k}` : null,
        prefixTokens,
        session: null,
        turn: 0,
        blocks: prefixBlocks,
        cacheableTokens: prefixBlocks.length * BLOCK_TOKENS,
      };
      const s = spec.sessions;
      if (!s || !(mix() < s.share)) {
        out.push(first);
        continue;
      }
      // A conversation: each turn's prompt is the previous prompt, its answer and a new message.
      const session = `${index}.${sessions++}`;
      const turns = intBetween(mix, s.turns.min, s.turns.max);
      const names: string[] = [];
      const blocksOf = (prompt: number) => {
        const n = Math.floor(prompt / BLOCK_TOKENS);
        for (let i = prefixBlocks.length + names.length; i < n; i++) names.push(`s${session}:${i}`);
        return prefixBlocks.concat(names.slice(0, Math.max(0, n - prefixBlocks.length)));
      };
      let prev: Draft = { ...first, prefixKey: first.prefixKey ?? `s${session}`, session, turn: 1, blocks: blocksOf(first.promptTokens) };
      out.push(prev);
      for (let turn = 2; turn <= turns; turn++) {
        const at = prev.at + 1000 * (s.thinkSeconds.min + mix() * (s.thinkSeconds.max - s.thinkSeconds.min));
        const promptTokens = prev.promptTokens + prev.outputTokens + drawTokens(mix, s.messageTokens);
        const output = drawTokens(mix, spec.outputTokens);
        if (!(at < config.durationMs) || promptTokens + output > MAX_CONTEXT_TOKENS) break;
        // Only the previous prompt's blocks were ever handed to an engine, so only they can be cached.
        const cacheable = Math.max(prefixBlocks.length, Math.floor(prev.promptTokens / BLOCK_TOKENS)) * BLOCK_TOKENS;
        prev = {
          ...prev,
          at,
          promptTokens,
          outputTokens: output,
          cap: capOf(output),
          prefixTokens: Math.max(prefixTokens, cacheable),
          turn,
          blocks: blocksOf(promptTokens),
          cacheableTokens: cacheable,
        };
        out.push(prev);
      }
    }
  });
  out.sort((a, b) => a.at - b.at || a.pop - b.pop);
  return out.map((r, id) => ({ ...r, id }));
}
