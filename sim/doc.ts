// docs/simulation.md: the model's assumptions, how to run it, and the tables
// of the latest run (rewritten by every `npm run simulate`).
import { DEFAULT_OUTPUT_TOKENS } from "../worker/routing/workload";
import { SETTING_DEFAULTS } from "../worker/settings";
import { FLUSH_AT } from "../worker/objects/region-stats-client";
import { MIN_HEDGE_MS } from "../worker/upstream/hedge";
import { BASE_ONE_WAY_MS, JITTER_SIGMA, KM_PER_MS } from "./network";
import { table } from "./report";
import type { Scenario } from "./scenario";
import { DEFAULT_CONFIG } from "./simulate";
import type { Setup } from "./setup";
import { ORIGINS, POPS } from "./world";

export interface DocInput {
  setup: Setup;
  scenario: Scenario;
  requestCount: number;
  report: string;
  runLine: string;
  verdict: string;
}

export function simulationDoc(d: DocInput): string {
  const { setup, scenario: s } = d;
  const min = (ms: number) => `${Math.round((ms / 60_000) * 10) / 10} min`;
  const popsByRegion = new Map<string, string[]>();
  for (const p of POPS) popsByRegion.set(p.region, [...(popsByRegion.get(p.region) ?? []), p.id]);
  const origins = table(
    ["origin", "region", "timing profile", "speed", "max batch", "USD / 1M in", "USD / 1M out"],
    ORIGINS.map((o) => [
      `${o.origin.id} (${o.city})`,
      o.origin.region,
      o.profile,
      o.speed.toFixed(1),
      String(o.maxBatch),
      o.origin.price.input_per_m.toFixed(2),
      o.origin.price.output_per_m.toFixed(2),
    ]),
  );
  return `# Routing simulation

\`npm run simulate\` (\`sim/run.ts\`) replays the same simulated traffic through Meridian's routing
and through three naive baselines, while one origin slows down and another dies and comes back,
and compares time to first token (TTFT), errors and cost. It is a discrete-event simulation: one
priority queue of events on a virtual clock (\`sim/event-queue.ts\`), no real timers, every random
draw from a seeded generator (\`sim/rng.ts\`), so a run is reproducible to the last digit.

Meridian's side is **not** re-implemented: every request is planned by the worker's own
\`plan()\` (\`worker/routing/choose.ts\`, with \`estimate.ts\`, \`candidates.ts\`, \`regions.ts\`,
\`geo.ts\`), on snapshots of the worker's own \`OriginStats\` (\`worker/stats/origin-stats.ts\`:
peak-EWMA, DDSketch, sliding window, circuit breaker) fed with the same observations
\`worker/upstream/attempt.ts\` reports, and hedges are paid from the worker's \`HedgeBudget\`.
GPU time comes from \`fleet/timing.ts\` (measured H100 tables in \`fleet/gpu-profiles.ts\`).

## Running it

    npm run simulate                 # ${setup.minutes} virtual minutes, ${d.requestCount.toLocaleString("en-US")} requests per policy
    SIM_MINUTES=120 npm run simulate # two hours (about three times the run time)
    SIM_SEED=7 SIM_RATE=0.9 npm run simulate

| variable | default | meaning |
|:--|--:|:--|
| \`SIM_MINUTES\` | 40 | virtual duration; the scenario's events scale with it (25%, 50%, 70%) |
| \`SIM_SEED\` | ${DEFAULT_CONFIG.seed} | seed of every random stream |
| \`SIM_RATE\` | 0.8 | requests/s per unit of PoP weight at the local daily peak |
| \`SIM_START_UTC_HOUR\` | 14 | UTC time of day at the start |
| \`SIM_THREADS\` | 2 | \`1\` runs the four policies in one thread |
| \`SIM_EXTRA\` | – | \`meridian-nohedge\` adds Meridian with hedging off (one more thread) |

The run prints the tables below, writes \`docs/simulation.svg\` and rewrites this file. The default
length is 40 virtual minutes rather than two hours so that the whole command stays well under a
minute on a two-core machine: Meridian's cost is dominated by \`OriginStats.summary()\`
(DDSketch quantiles), rebuilt for every origin in every region once a virtual second, so run time
grows linearly with virtual time, not with load. Meridian runs in one worker thread and the three
baselines in another.

## The model

**World** (\`sim/world.ts\`). ${POPS.length} PoPs at real city coordinates, each mapped to its region with
the worker's \`regionOf(continent, country, lon)\`:
${[...popsByRegion].map(([r, ids]) => `${r}: ${ids.join(", ")}`).join("; ")}.
Each has a traffic weight (roughly its share of internet users). ${ORIGINS.length} origins serve the
public model \`llama-8b\`; the timing profile says which measured table their step times come from
(\`llama-1.5b\` stands for faster, pricier hardware), \`speed\` divides every step time, \`max batch\`
caps the decode batch:

${origins}

**Network** (\`sim/network.ts\`). One-way latency = ${BASE_ONE_WAY_MS} ms + great-circle km / ${KM_PER_MS} km per ms
(fibre at ~200 km/ms on routes about twice the great circle), times a lognormal jitter (σ = ${JITTER_SIGMA}),
drawn afresh for every message. An attempt's TTFT includes the trip to the origin and the first
token's trip back; connections are assumed warm (no handshake).

**Origins** (\`sim/origin-engine.ts\`). Continuous batching with the rules of \`fleet/engine.ts\`:
prompts wait in a FIFO queue; each GPU step prefills at most one prompt (only while the decode
batch is below max batch) and decodes one token for every running sequence; step time =
\`prefillMs(profile, prompt, speed)\` + \`decodeStepMs(profile, batch, mean context, speed)\`. A
prompt's first token comes out of its prefill step. Runs of identical decode steps are collapsed
into one event (exact: the step time is linear in context), so the cost is a few events per
request, not one per step. A client that gives up cancels its sequence (queued, or in the batch).

**Load** (\`sim/load.ts\`). A Poisson process per PoP, rate = weight × ${setup.ratePerWeight} req/s ×
a daily curve in local solar time (30% at 04:00, 100% at 16:00), starting at ${setup.startUtcHour}:00 UTC:
afternoon in Europe and India, morning on the US east coast, night in East Asia and Oceania. Prompts
are log-uniform over 100–4000 tokens, outputs uniform over 50–500 tokens; every request streams.
The same request list (arrival time, PoP, sizes) is replayed for every policy. The rate is set so
that nearest-by-distance keeps every origin below saturation before the failures: the busiest
(Ashburn, Warsaw, Mumbai, Frankfurt) get 65–80% of the rate at which their p99 TTFT would pass 1 s
(measured with the same origin model), Tokyo and Oregon are in their night and morning lull; the
utilisation table shows the resulting batch occupancy per policy.

**Meridian** (\`sim/policies.ts\`, \`sim/region-stats.ts\`, \`sim/isolate.ts\`, \`sim/forward.ts\`).
One isolate per PoP with its own in-flight counts and hedge budget (${DEFAULT_CONFIG.hedgeRatio} per request, burst 5);
one \`OriginStats\` per (region, origin) standing for the RegionStats Durable Object. Isolates route
on a snapshot of \`summary()\` rebuilt once a virtual second (stale in between; a batch with a
failure triggers a rebuild within 250 ms, as the real isolate re-reads after reporting).
Observations are batched like \`worker/objects/region-stats-client.ts\` (failures at once, successes after
${SETTING_DEFAULTS.statsFlushMs / 1000} s or ${FLUSH_AT}) and reach the region one network trip later. Each region probes every origin every
${DEFAULT_CONFIG.probeIntervalMs / 1000} s; a probe of a black-holed origin fails after ${DEFAULT_CONFIG.probeTimeoutMs / 1000} s, of a refusing one after a round trip.
Requests use \`DEFAULT_PREFERENCES\` (latency policy, hedging on) and the workload the proxy would
guess (prompt tokens, ${DEFAULT_OUTPUT_TOKENS} output tokens as no client caps its output). \`plan()\` gets a seeded
random for power-of-two-choices and exploration.

**Attempts, for every policy** (\`sim/forward.ts\`, the rules of \`worker/upstream/retry.ts\` and \`hedge.ts\`).
At most ${DEFAULT_CONFIG.maxAttempts} attempts; an attempt fails over when no first token arrived within
${DEFAULT_CONFIG.ttftTimeoutMs / 1000} s (TTFT timeout) or its connection is refused; the time spent is part of the client's
TTFT. Meridian hedges: when the current origin has a measured p95 and has not answered by then
(at least ${MIN_HEDGE_MS} ms), and the budget allows, the next origin starts too; the first token wins.

**Baselines** use no statistics and do not hedge: *nearest* tries origins by great-circle distance
(\`rankCandidates\` order), *random* in a fresh random order, *cheapest* by the request's price.
Nearest and cheapest therefore try a dead or slow origin first on every request until it answers
again.

**Failure scenario** (\`sim/scenario.ts\`). t1 = ${min(s.slowAt)}: **${s.slowOrigin}** becomes ${s.slowFactor}× slower
(prefill and decode) for the rest of the run. t2 = ${min(s.deadAt)}: **${s.deadOrigin}** dies: its streams in
progress are cut, and it answers nothing (attempts run into the TTFT timeout, probes into theirs);
after ${min(s.blackholeMs)} it refuses connections instead (failure after one round trip). t3 =
${min(s.backAt)}: it is back, empty and healthy. Requests of the first ${min(s.warmupMs)} (cold queues and
statistics) are left out of the tables; the phases are before slowdown / slowdown / outage /
recovery (the slowdown continues through the last two).

**Metrics** (\`sim/metrics.ts\`). TTFT = from the request reaching the PoP to its first token
arriving back there, over requests that got one; errors = requests for which no attempt delivered
a first token; cut = streams broken by the outage after their first token (not errors, not
charged); cost = USD of the tokens served at the serving origin's prices / tokens served, per 1M;
E2E = time to the last token; percentiles are nearest-rank over all requests.

**Simplified or left out**: the client-to-PoP leg (the same for every policy); TCP/TLS set-up;
KV and origin-registry staleness; the Durable Object's own latency (a snapshot is visible to all
the region's isolates as soon as it is built); a failed or hedged attempt's GPU work is not
charged; Cloudflare's routing of users to PoPs (a PoP's users are its own); token streaming
between first and last token is not simulated packet by packet (only the last token's arrival).

## Latest run

Meridian's own numbers move with the seed (its routing is a feedback loop with one-second delays,
and small changes in who goes where early on change the whole trajectory): compare a few
\`SIM_SEED\`s before reading much into one difference. The baselines hardly move.

${d.verdict}

\`\`\`
${d.report}
\`\`\`

${d.runLine}

![p99 TTFT per minute and Meridian's per-origin share](simulation.svg)
`;
}
