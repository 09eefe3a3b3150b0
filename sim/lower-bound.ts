// A lower bound no routing policy can beat (up to network jitter): each
// request on its own, on whichever origin that is up at its arrival is best
// for it, with that origin idle and holding every block an earlier request
// could have left cached. Its TTFT is the mean round trip plus the prefill of
// the uncached suffix; its time to the last token adds one decode step per
// further token at batch 1 (the fastest a step gets). Queueing, batching,
// failovers and cache capacity can only add to both, so a policy's distance
// from this row is what routing (and capacity) leave on the table. It bounds
// the expected values, not each draw: jitter (lognormal, median 1) makes
// some real trips shorter than the mean.
import { decodeStepMs, prefillMs } from "../fleet/timing";
import type { Request } from "./load";
import { Recorder, Status, summarize, type PolicyResult } from "./metrics";
import { meanOneWayMs } from "./network";
import { originStateAt, type Scenario } from "./scenario";

export const LOWER_BOUND = "lower bound";

export function bestCase(req: Request, scenario: Scenario): { ttft: number; ttlt: number; origin: number } | null {
  const pop = scenario.pops[req.pop]!;
  const uncached = Math.max(1, req.promptTokens - req.cacheableTokens);
  let ttftBest = Infinity;
  let ttltBest = Infinity;
  let origin = -1;
  for (let i = 0; i < scenario.origins.length; i++) {
    const o = scenario.origins[i]!;
    const state = originStateAt(scenario, o.origin.id, req.at);
    if (!state.up) continue;
    const speed = o.speed / state.slowdown;
    const ttft = 2 * meanOneWayMs(pop, o.origin) + prefillMs(o.profile, uncached, speed);
    const steps = req.outputTokens - 1;
    const ttlt = ttft + (steps > 0 ? steps * decodeStepMs(o.profile, 1, req.promptTokens + (steps + 1) / 2, speed) : 0);
    if (ttft < ttftBest) {
      ttftBest = ttft;
      origin = i;
    }
    ttltBest = Math.min(ttltBest, ttlt);
  }
  const best = origin < 0 ? null : { ttft: ttftBest, ttlt: ttltBest, origin };
  return best;
}

export function lowerBound(requests: readonly Request[], scenario: Scenario, price: (origin: number, req: Request) => number, bucketMs: number): PolicyResult {
  const rec = new Recorder(requests.length);
  for (const req of requests) {
    const b = bestCase(req, scenario);
    if (!b) {
      rec.status[req.id] = Status.Failed;
      continue;
    }
    rec.status[req.id] = Status.Ok;
    rec.ttft[req.id] = b.ttft;
    rec.e2e[req.id] = b.ttlt;
    rec.origin[req.id] = b.origin;
    rec.attempts[req.id] = 1;
    rec.cached[req.id] = Math.min(req.cacheableTokens, req.promptTokens - 1);
  }
  return summarize({
    policy: LOWER_BOUND,
    requests,
    rec,
    scenario,
    bucketMs,
    price,
    origins: scenario.origins.length,
    utilisation: scenario.phases.map(() => scenario.origins.map(() => Number.NaN)),
    queue: scenario.phases.map(() => scenario.origins.map(() => 0)),
    run: { wallMs: 0, events: 0, summaries: 0 },
  });
}
