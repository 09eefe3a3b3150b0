// The `auto` decision for one request (pure): Thompson-sample each candidate's
// quality for the prompt's class, keep those whose sample meets the floor,
// whose expected TTFT meets the SLO and whose price is within the budget, and
// take the cheapest. Sampling instead of using the posterior mean is the
// exploration: a model near the floor sometimes qualifies and sometimes not,
// in proportion to how unsure its statistics are, so its ratings keep coming.

import { posteriorMean, sampleBeta, type Random } from "./bandit";
import type { ModelChoice, ModelOption } from "./types";

let samples = new Float64Array(8);

/**
 * Picks one of `options` (at least one). When none meets every constraint,
 * the best sampled quality among those within `maxPricePerM` wins (or among
 * all, when none is): a request is never refused for want of quality. The
 * reason is plain ASCII, ready for the `x-meridian-route` header.
 */
export function chooseModel(
  options: readonly ModelOption[],
  floor: number,
  sloTtftMs: number | null,
  maxPricePerM: number | null,
  random: Random,
): ModelChoice {
  if (options.length === 0) throw new RangeError("chooseModel needs at least one option");
  if (samples.length < options.length) samples = new Float64Array(options.length * 2);
  for (let i = 0; i < options.length; i++) samples[i] = sampleBeta(options[i]!.alpha, options[i]!.beta, random);

  let cheapest = -1;
  let bestWithinPrice = -1;
  let bestOverall = 0;
  for (let i = 0; i < options.length; i++) {
    const o = options[i]!;
    const q = samples[i]!;
    if (q > samples[bestOverall]!) bestOverall = i;
    if (maxPricePerM !== null && !(o.pricePerM <= maxPricePerM)) continue;
    if (bestWithinPrice < 0 || q > samples[bestWithinPrice]!) bestWithinPrice = i;
    const fast = sloTtftMs === null || o.ttftMs === null || o.ttftMs <= sloTtftMs;
    if (q < floor || !fast) continue;
    const c = cheapest < 0 ? null : options[cheapest]!;
    if (!c || o.pricePerM < c.pricePerM || (o.pricePerM === c.pricePerM && q > samples[cheapest]!)) cheapest = i;
  }

  const constraints = describeConstraints(floor, sloTtftMs, maxPricePerM);
  let chosen: number;
  let reason: string;
  if (cheapest >= 0) {
    chosen = cheapest;
    reason = `cheapest meeting ${constraints}: ${describe(options[chosen]!, samples[chosen]!)}`;
  } else if (bestWithinPrice >= 0) {
    chosen = bestWithinPrice;
    reason = `none meets ${constraints}: best is ${describe(options[chosen]!, samples[chosen]!)}`;
  } else {
    chosen = bestOverall;
    reason = `none within ${usd(maxPricePerM!)}/M: best is ${describe(options[chosen]!, samples[chosen]!)}`;
  }
  return { model: options[chosen]!.model, fallbacks: fallbacks(options, chosen), quality: samples[chosen]!, meetsFloor: cheapest >= 0, reason };
}

/** Every option but the chosen one, by posterior mean quality, best first (cheaper first on ties). */
function fallbacks(options: readonly ModelOption[], chosen: number): string[] {
  const rest: ModelOption[] = [];
  for (let i = 0; i < options.length; i++) if (i !== chosen) rest.push(options[i]!);
  if (rest.length > 1) {
    rest.sort((a, b) => posteriorMean(b.alpha, b.beta) - posteriorMean(a.alpha, a.beta) || a.pricePerM - b.pricePerM);
  }
  return rest.map((o) => o.model);
}

function describeConstraints(floor: number, sloTtftMs: number | null, maxPricePerM: number | null): string {
  let s = `floor ${round(floor)}`;
  if (sloTtftMs !== null) s += `, ttft <= ${Math.round(sloTtftMs)}ms`;
  if (maxPricePerM !== null) s += `, price <= ${usd(maxPricePerM)}/M`;
  return s;
}

function describe(o: ModelOption, quality: number): string {
  return `${o.model} (q~${quality.toFixed(2)}, ${Number.isFinite(o.pricePerM) ? `${usd(o.pricePerM)}/M` : "unpriced"})`;
}

/** Two significant digits below $1 ("$0.038"), cents above ("$1.50"). */
function usd(x: number): string {
  return `$${x >= 1 ? x.toFixed(2) : Number(x.toPrecision(2)).toString()}`;
}

function round(x: number): string {
  return Number(x.toFixed(3)).toString();
}
