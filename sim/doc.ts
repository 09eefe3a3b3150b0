// docs/simulation.md: the model's assumptions, how to run it, the scenario
// file's fields, and the tables of the latest run of every shipped scenario
// (each run of one rewrites the file from the runs stored in docs/simulation/).
import { DEFAULT_OUTPUT_TOKENS } from "../worker/routing/workload";
import { SETTING_DEFAULTS } from "../worker/settings";
import { FLUSH_AT } from "../worker/objects/region-stats-client";
import { MIN_HEDGE_MS } from "../worker/upstream/hedge";
import { BLOCK_TOKENS } from "./load";
import { BASE_ONE_WAY_MS, JITTER_SIGMA, KM_PER_MS } from "./network";
import { table } from "./report";
import type { Phase } from "./scenario";
import { SCRAPE_INTERVAL_MS } from "./scraper";
import { DEFAULT_CONFIG } from "./simulate";
import type { SimSummary } from "./summary-json";
import { POPS } from "./world";

/** What a shipped scenario's run leaves in docs/simulation/<name>.json. */
export interface ScenarioRun {
  name: string;
  description: string;
  requests: number;
  streamed: number;
  phases: Phase[];
  report: string;
  ratios: string;
  runLine: string;
  overridden: string[];
  summary: SimSummary;
}

const FIELDS: [string, string][] = [
  ["`name`", "id of the scenario (a-z, 0-9, -)"],
  ["`description`", "one line, printed with the run"],
  ["`seed`", "seed of every random stream (`SIM_SEED` overrides)"],
  ["`durationMinutes`", "virtual length, 4-1440 (`SIM_MINUTES` overrides)"],
  ["`warmupMinutes`", "requests arriving earlier are left out of the tables"],
  ["`startUtcHour`", "UTC time of day at t = 0 (`SIM_START_UTC_HOUR` overrides)"],
  ["`origins[]`", "the fleet, every origin serving the one public model"],
  ["`origins[].id`, `.city`, `.lat`, `.lon`, `.region`", "identity, place (great-circle distances) and the worker's region"],
  ["`origins[].profile`", "timing table from `fleet/gpu-profiles.ts`: `llama-8b` (H100 measurements) or `llama-1.5b` (stands for faster hardware)"],
  ["`origins[].speed`", "divides every step time (0.6 = an older or shared GPU)"],
  ["`origins[].maxBatch`", "decode batch cap (vLLM `max_num_seqs`)"],
  ["`origins[].kvBlocks`", `KV-cache capacity in ${BLOCK_TOKENS}-token blocks (the engine's prefix cache lives in it)`],
  ["`origins[].price.inputPerM`, `.outputPerM`", "USD per 1M prompt / output tokens"],
  ["`origins[].metrics`", "`vllm`, `sglang`, `llamacpp` (no prefix-cache counters) or `none` (routing sees passive statistics only)"],
  ["`load.ratePerWeight`", "new arrivals per second per unit of PoP weight at the local daily peak (`SIM_RATE` overrides); session turns come on top"],
  ["`load.popWeights[]`", "`{ pop, weight }`: replaces a PoP's weight from `sim/world.ts`"],
  ["`load.dailyCurve`", "`{kind: \"cosine\", min, peakHour}` (min share at peakHour - 12), `{kind: \"hourly\", values: [24 shares]}` (linear in between) or `{kind: \"flat\"}`; in local solar time"],
  ["`load.streamShare`", "share of requests that stream"],
  ["`load.cappedShare`", "share that set `max_tokens`"],
  ["`load.capOverOutput`", "`{min, max}`: such a cap is the true output × a uniform draw in [min, max], rounded up (a cap is never below the answer)"],
  ["`load.promptTokens`, `load.outputTokens`", "distributions: `{dist: \"uniform\", min, max}`, `{dist: \"logUniform\", min, max}` or `{dist: \"fixed\", value}`; with a shared prefix, the prompt is the prefix plus this"],
  ["`load.prefixes`", "optional: `count` shared prefixes (tenants' system prompts) of `tokens` each (drawn once per prefix), popularity ∝ 1/rank^`zipf`, used by a `share` of requests"],
  ["`load.sessions`", "optional: a `share` of arrivals open a conversation of `turns` {min, max}; each later turn comes `thinkSeconds` {min, max} after the previous one's arrival, its prompt = the previous prompt + its answer + `messageTokens`"],
  ["`events[]`", "in any order; `at` is minutes from the start or a share of the run (\"25%\", rounded to whole minutes: scales with `SIM_MINUTES`)"],
  ["`{kind: \"slowdown\", origin, factor}`", "every step time × factor from the next step on"],
  ["`{kind: \"blackhole\", origin, refuseAfterMinutes?}`", "hangs: streams in progress are cut, nothing is answered (attempts run into their timeouts); optionally refuses connections after that long"],
  ["`{kind: \"refuse\", origin}`", "connections fail after one round trip"],
  ["`{kind: \"recover\", origin}`", "up again, empty, at full speed"],
  ["`{kind: \"surge\", pops?, regions?, factor, forMinutes}`", "those PoPs' arrival rate × factor for that long"],
  ["`phases[]`", "optional `{name, at}`: how the report splits the run; by default a phase starts at every event (and a surge's end)"],
];

export function simulationDoc(runs: readonly ScenarioRun[]): string {
  const popsByRegion = new Map<string, string[]>();
  for (const p of POPS) popsByRegion.set(p.region, [...(popsByRegion.get(p.region) ?? []), p.id]);
  const sections = runs.map((r) => {
    const s = r.summary.scenario;
    return `### ${r.name}

${r.description}

${s.minutes} virtual minutes from ${String(s.startUtcHour).padStart(2, "0")}:00 UTC, seed ${s.seed}, ${s.ratePerWeight} req/s per weight unit${r.overridden.length ? ` (overridden: ${r.overridden.join(", ")})` : ""};
${r.requests.toLocaleString("en-US")} requests, ${Math.round((100 * r.streamed) / Math.max(1, r.requests))}% streamed. Phases: ${r.phases.map((p) => `${p.name} at ${p.from / 60_000} min`).join("; ")}.
\`SIM_SCENARIO=${r.name} npm run simulate\`

\`\`\`
${r.report}
\`\`\`
${r.ratios ? `\nMeridian's ratios (each kind's own objective; below 1 = Meridian faster):\n\n${r.ratios}\n` : ""}
${r.runLine}

![p99 TTFT per minute and Meridian's per-origin share](simulation/${r.name}.svg)
`;
  });
  return `# Routing simulation

\`npm run simulate\` (\`sim/run.ts\`) replays the same simulated traffic, read from a scenario file,
through Meridian's routing, today's routing before objectives, load and affinity (*latency-only*),
three naive baselines and a lower bound, while origins slow down, die and come back or load surges,
and compares time to first token (TTFT), time to the last token, errors, cost and prefix-cache hits
per request kind (streamed or not). It is a discrete-event simulation: one priority queue of events
on a virtual clock (\`sim/event-queue.ts\`), no real timers, every random draw from a seeded
generator (\`sim/rng.ts\`), so a run is reproducible to the last digit.

Meridian's side is **not** re-implemented: every request is planned by the worker's own
\`plan()\` (\`worker/routing/choose.ts\`, with \`estimate.ts\`, \`candidates.ts\`, \`regions.ts\`,
\`geo.ts\`), on snapshots of the worker's own \`OriginStats\` (\`worker/stats/origin-stats.ts\`:
peak-EWMA, DDSketch, sliding window, circuit breaker) fed with the same observations
\`worker/upstream/attempt.ts\` reports, and hedges are paid from the worker's \`HedgeBudget\`.
GPU time comes from \`fleet/timing.ts\` (measured H100 tables in \`fleet/gpu-profiles.ts\`).

## Running it

    npm run simulate                              # the failure scenario (sim/scenarios/failure.json)
    SIM_SCENARIO=calm npm run simulate            # a shipped scenario by name
    SIM_SCENARIO=./my-day.json npm run simulate   # any scenario file
    SIM_SCENARIO=all npm run simulate             # every shipped scenario, one after the other
    SIM_SEED=7 SIM_RATE=0.9 SIM_JSON=out.json npm run simulate

| variable | meaning |
|:--|:--|
| \`SIM_SCENARIO\` | a scenario file, the name of a shipped one (${runs.map((r) => `\`${r.name}\``).join(", ")}), or \`all\`; default \`failure\` |
| \`SIM_MINUTES\` | virtual duration (overrides the file; events given as a share of the run move with it) |
| \`SIM_SEED\` | seed of every random stream |
| \`SIM_RATE\` | new arrivals/s per unit of PoP weight at the local daily peak |
| \`SIM_START_UTC_HOUR\` | UTC time of day at the start |
| \`SIM_JSON\` | write the summary there: per policy, phase and request kind, requests, TTFT and time to last token p50/p90/p99, errors, cut streams, USD per 1M tokens, prefix-cache hit rate (\`sim/summary-json.ts\`; an array with \`all\`) |
| \`SIM_THREADS\` | \`1\` runs every policy in one thread (default 2) |
| \`SIM_EXTRA\` | \`meridian-nohedge\` adds Meridian with hedging off, \`meridian-cost\` Meridian with the cost objective (comma-separated; one more thread each) |

A run prints its tables. A run of a shipped scenario (\`sim/scenarios/\`) also stores them in
\`docs/simulation/<name>.json\` and \`<name>.svg\` and rewrites this file from every stored run. Run
time grows linearly with virtual time: the policies that route on statistics rebuild
\`OriginStats.summary()\` (DDSketch quantiles) for every origin in every region once a virtual
second. Meridian and latency-only get a worker thread each; the baselines are dealt out among them.

## Scenario files

A scenario is JSON, validated by \`sim/scenario-file.ts\` (zod, strict: an unknown or misspelt field,
a value out of range, NaN or an infinite number, a \`__proto__\`/\`constructor\` key, an unknown
origin or PoP name is an error that names the field). Shipped, with their tables below:
\`failure\`, \`calm\`, \`shared-prefix\`, \`regional-surge\`. Also shipped, not part of \`all\`:
\`legacy-failure\`, the failure scenario exactly as every run before scenario files played it (all
traffic streamed, no caps, prefixes or sessions): \`SIM_SCENARIO=legacy-failure npm run simulate\`
reproduces the old tables to the last digit, latency-only's row being the old Meridian's.

${table(["field", "meaning"], FIELDS, ["l", "l"])}

PoPs are fixed (\`sim/world.ts\`, ${POPS.length} at real city coordinates, region from the worker's
\`regionOf\`): ${[...popsByRegion].map(([r, ids]) => `${r}: ${ids.join(", ")}`).join("; ")}.

## The model

**Network** (\`sim/network.ts\`). One-way latency = ${BASE_ONE_WAY_MS} ms + great-circle km / ${KM_PER_MS} km per ms
(fibre at ~200 km/ms on routes about twice the great circle), times a lognormal jitter (σ = ${JITTER_SIGMA}),
drawn afresh for every message. An attempt's TTFT includes the trip to the origin and the first
token's trip back; connections are assumed warm (no handshake).

**Origins** (\`sim/origin-engine.ts\`). Continuous batching with the rules of \`fleet/engine.ts\`:
prompts wait in a FIFO queue; each GPU step prefills at most one prompt (only while the decode
batch is below max batch) and decodes one token for every running sequence; step time =
\`prefillMs(profile, prompt, speed)\` + \`decodeStepMs(profile, batch, mean context, speed)\`. A
prompt's first token comes out of its prefill step. Runs of identical decode steps are collapsed
into one event, so the cost is a few events per request, not one per step. A client that gives up
cancels its sequence. Every request hands the engine the hashes of its prompt's shared full
${BLOCK_TOKENS}-token blocks (a prefix \`p\` of T tokens: \`p:0\` … \`p:⌊T/${BLOCK_TOKENS}⌋-1\`; a session's turns
\`s<id>:<i>\` after those; content no other request shares has none) and reads back how many
prompt tokens were cached.

**Load** (\`sim/load.ts\`). A Poisson process per PoP (thinned to the daily curve in local solar time
and any surge), prompt and output lengths from the scenario's distributions. Each arrival is
streamed or not, may set \`max_tokens\` (above its true output), may start with one of the shared
prefixes, and may open a session. Arrival times and lengths come from the random stream the
simulation always used, the other attributes from a second one, so a scenario without them
reproduces the old runs. A session's later turns are fixed in advance (think time counts from the
previous turn's arrival), so every policy replays exactly the same requests.

**Meridian** (\`sim/policies.ts\`, \`sim/region-stats.ts\`, \`sim/isolate.ts\`, \`sim/scraper.ts\`,
\`sim/forward.ts\`). One isolate per PoP with its own in-flight counts and hedge budget
(${DEFAULT_CONFIG.hedgeRatio} per request, burst 5); one \`OriginStats\` per (region, origin) standing for the RegionStats
Durable Object. Isolates route on a snapshot of \`summary()\` rebuilt once a virtual second (stale in
between; a batch with a failure triggers a rebuild within 250 ms). Observations are batched like
\`worker/objects/region-stats-client.ts\` (failures at once, successes after ${SETTING_DEFAULTS.statsFlushMs / 1000} s or ${FLUSH_AT}) and reach
the region one network trip later. Each region probes every origin every ${DEFAULT_CONFIG.probeIntervalMs / 1000} s; a probe of
a black-holed origin fails after ${DEFAULT_CONFIG.probeTimeoutMs / 1000} s. Every origin that publishes metrics is scraped once
per ${SCRAPE_INTERVAL_MS / 1000} s **for the whole world** (queue, batch, KV use, prefix hits since the previous scrape) and
the latest reading rides in every region's snapshot as the origin's \`load\`. Meridian plans with the
worker's default preferences for the request's kind, the workload the proxy would build (prompt
tokens, the client's \`max_tokens\` or ${DEFAULT_OUTPUT_TOKENS}, streamed or not, the prefix key and its tokens) and
a seeded random for power-of-two-choices and exploration.

**latency-only** is the routing Meridian shipped before: the same \`plan()\` with the latency
objective, on the passive statistics alone (no engine load in its snapshots, no prefix key). It
draws the same network jitter as Meridian (common random numbers), so their difference is routing.

**Attempts, for every policy** (\`sim/forward.ts\`, the rules of \`worker/upstream/retry.ts\`,
\`hedge.ts\` and \`attempt.ts\`). At most ${DEFAULT_CONFIG.maxAttempts} attempts. A stream fails over when no first token
arrived within ${DEFAULT_CONFIG.ttftTimeoutMs / 1000} s or its connection is refused; a non-streamed attempt when its whole
answer has not arrived within ${DEFAULT_CONFIG.attemptTimeoutMs / 1000} s, its connection is refused or the origin dies
mid-answer (the client saw nothing yet); the time spent counts. Meridian hedges: when the current
origin has a measured p95 (TTFT for streams, total for the rest, at least ${MIN_HEDGE_MS} ms) and has not
answered by then, and the budget allows, the next origin starts too; the first token (non-streamed:
the first answer) wins.

**Baselines** use no statistics and do not hedge: *nearest* tries origins by great-circle distance,
*random* in a fresh random order, *cheapest* by the request's price.

**Lower bound** (\`sim/lower-bound.ts\`): each request alone on whichever origin that is up is best
for it, that origin idle and holding every block an earlier request could have left cached: TTFT =
mean round trip + prefill of the uncached suffix; last token = that + one batch-1 decode step per
further token. Queueing, batching, failovers and cache capacity only add to both, so no policy can
beat it in expectation (jitter makes single trips shorter than the mean). Its cost column is the
price at the origin with the best TTFT.

**Metrics** (\`sim/metrics.ts\`). TTFT = from the request reaching the PoP to its first token
arriving back there (a non-streamed request's client sees nothing before the whole answer; its
TTFT column says when the first token would have arrived); last token = the whole answer; errors =
no first token (non-streamed: no answer) after every attempt; cut = streams broken after their
first token (not errors, not charged); cost = USD of the tokens served at the serving origin's
prices / tokens served, per 1M; cache hit = cached prompt tokens / prompt tokens over answered
requests; under 10 tok/s (streams) = the share of complete answers of two tokens or more whose
tokens after the first came slower than the default tokens/s floor (the ttft objective's floor,
\`DEFAULT_MIN_TOKENS_PER_S\`); percentiles are nearest-rank.

**Simplified or left out**: the client-to-PoP leg (the same for every policy); TCP/TLS set-up;
KV and origin-registry staleness; the Durable Object's own latency; a metrics scrape's own network
time; a failed or hedged attempt's GPU work is not charged; token streaming between first and last
token is not simulated packet by packet.

## Latest runs

Meridian's numbers move with the seed (its routing is a feedback loop with one-second delays):
compare a few \`SIM_SEED\`s before reading much into one difference. The baselines hardly move.
\`npm run simulate:held-out\` runs every shipped scenario again under seeds and hours fixed in
sim/held-out.ts and checks each routing target on them: [simulation/held-out.md](simulation/held-out.md).

${sections.join("\n")}`;
}
