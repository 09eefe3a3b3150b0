// `npx tsx sim/batch.ts`: a batch of Batch API lines beside interactive
// traffic, on the simulation clock (no machine noise: reproducible to the
// last digit). Four llama-8b engines (sim/origin-engine.ts: the fleet's
// continuous-batching scheduler and measured H100 step times) a quarter of
// the world apart; interactive requests arrive at each at a rate that follows
// its local day (busy by day, quiet at night); engines' load is read every
// ENGINE_LOAD_MS as EngineScraper reads /metrics. The batch is dispatched
// exactly as the Batch object does it: every 200 ms, worker/batch/pacing.ts
// plans from the latest readings and the batch's own lines in flight.
// Interactive arrivals come from their own random stream, so each mode sees
// the very same interactive requests. Modes: no batch, the paced batch, and a
// naive dispatcher (a fixed 32 lines in flight spread over every origin,
// blind to load) for contrast.
//
// SIM_SEED (1), SIM_MINUTES (30), SIM_BATCH_LINES (2000), SIM_START_UTC_HOUR (14),
// SIM_DAY_RPS (interactive requests/s per origin by day, 6), SIM_NIGHT_RPS (0.3),
// BATCH_MAX_IN_FLIGHT and BATCH_MAX_PER_ORIGIN (the operator's bounds, as in wrangler.toml).

import { assign, pacingConfig, planDispatch, RecentOthers, type PacingLoad } from "../worker/batch/pacing";
import { fmt, summarize, table } from "../bench/lib/stats";
import { EventQueue } from "./event-queue";
import { SimEngine } from "./origin-engine";
import { exponential, intBetween, rng, type Random } from "./rng";

const SEED = Number(process.env.SIM_SEED ?? 1);
const MINUTES = Number(process.env.SIM_MINUTES ?? 30);
const LINES = Number(process.env.SIM_BATCH_LINES ?? 2000);
const START_UTC_HOUR = Number(process.env.SIM_START_UTC_HOUR ?? 14);
const DAY_RPS = Number(process.env.SIM_DAY_RPS ?? 6);
const NIGHT_RPS = Number(process.env.SIM_NIGHT_RPS ?? 0.3);
const ENGINE_LOAD_MS = 2_000;
/** The operator's bounds, as wrangler.toml's BATCH_MAX_IN_FLIGHT and BATCH_MAX_PER_ORIGIN set them. */
const PACING = pacingConfig(process.env.BATCH_MAX_IN_FLIGHT, process.env.BATCH_MAX_PER_ORIGIN);
const TICK_MS = 200;
/** Interactive requests before this are warm-up; the batch starts here. */
const WARMUP_MS = 60_000;
const EPOCH = Date.UTC(2026, 0, 1, START_UTC_HOUR);

const ORIGINS: readonly { id: string; lon: number }[] = [
  { id: "ashburn", lon: -77.5 },
  { id: "frankfurt", lon: 8.7 },
  { id: "singapore", lon: 103.8 },
  { id: "sydney", lon: 151.2 },
];

type Mode = "none" | "paced" | "naive";

interface Result {
  mode: Mode;
  ttft: number[];
  ttftByOrigin: Map<string, number[]>;
  linesDone: number;
  batchDoneAt: number | null;
  linesByOrigin: Map<string, number>;
  pausedTicks: number;
  ticks: number;
}

const localHour = (lon: number, t: number) => ((((START_UTC_HOUR + t / 3_600_000 + lon / 15) % 24) + 24) % 24);
const isDay = (lon: number, t: number) => {
  const h = localHour(lon, t);
  return h >= 7 && h < 23;
};

function simulate(mode: Mode): Result {
  const clock = new EventQueue();
  const end = MINUTES * 60_000;
  const engines = new Map(ORIGINS.map((o) => [o.id, new SimEngine(clock, { profile: "llama-8b", speed: 1, maxBatch: 64 })]));
  const result: Result = { mode, ttft: [], ttftByOrigin: new Map(), linesDone: 0, batchDoneAt: null, linesByOrigin: new Map(), pausedTicks: 0, ticks: 0 };

  // Interactive traffic: a Poisson stream per origin, its rate by the origin's local time.
  for (const o of ORIGINS) {
    const random: Random = rng(SEED, `interactive-${o.id}`);
    const engine = engines.get(o.id)!;
    const arrive = () => {
      const now = clock.now;
      const rate = isDay(o.lon, now) ? DAY_RPS : NIGHT_RPS;
      const next = now + exponential(random, 1000 / rate);
      const promptTokens = intBetween(random, 200, 1500);
      const outputTokens = intBetween(random, 50, 300);
      if (now >= WARMUP_MS && now < end) {
        engine.submit({
          promptTokens,
          outputTokens,
          onFirstToken: (at) => {
            result.ttft.push(at - now);
            let list = result.ttftByOrigin.get(o.id);
            if (!list) result.ttftByOrigin.set(o.id, (list = []));
            list.push(at - now);
          },
          onDone: () => {},
        });
      } else if (now < WARMUP_MS) {
        engine.submit({ promptTokens, outputTokens, onFirstToken: () => {}, onDone: () => {} });
      }
      if (next < end) clock.at(next, arrive);
    };
    clock.at(exponential(random, 1000 / DAY_RPS), arrive);
  }

  // The engines' readings, as EngineScraper publishes them: refreshed every ENGINE_LOAD_MS.
  const readings = new Map<string, PacingLoad>();
  /** The batch's own lines per engine when the readings were taken (a reading counts them in `running`). */
  const inFlightAtRead = new Map<string, number>();
  let readAt = 0;
  let batchInFlight: Map<string, number> | null = null;
  const read = () => {
    readAt = clock.now;
    inFlightAtRead.clear();
    if (batchInFlight) for (const [k, v] of batchInFlight) inFlightAtRead.set(k, v);
    for (const [id, e] of engines) {
      const l = e.load();
      readings.set(id, { waiting: l.waiting, running: l.running, kvUsage: l.kvUsage });
    }
    if (clock.now + ENGINE_LOAD_MS < end + 600_000) clock.after(ENGINE_LOAD_MS, read);
  };
  clock.at(0, read);

  if (mode !== "none") {
    const random = rng(SEED, "batch");
    let next = 0;
    const inFlight = new Map<string, number>();
    const recent = new RecentOthers();
    batchInFlight = inFlight;
    let rr = 0;
    const send = (origin: string) => {
      const promptTokens = intBetween(random, 300, 2000);
      const outputTokens = intBetween(random, 100, 400);
      next++;
      inFlight.set(origin, (inFlight.get(origin) ?? 0) + 1);
      result.linesByOrigin.set(origin, (result.linesByOrigin.get(origin) ?? 0) + 1);
      engines.get(origin)!.submit({
        promptTokens,
        outputTokens,
        onFirstToken: () => {},
        onDone: (at) => {
          inFlight.set(origin, inFlight.get(origin)! - 1);
          if (++result.linesDone === LINES) result.batchDoneAt = at;
        },
      });
    };
    const tick = () => {
      if (next >= LINES) return;
      result.ticks++;
      if (mode === "paced") {
        for (const [id, l] of readings) recent.note(id, l.running - (inFlightAtRead.get(id) ?? 0), readAt);
        const plan = planDispatch(ORIGINS, readings, inFlight, EPOCH + clock.now, PACING, recent.peaks(readAt));
        if (plan.paused === "origins busy with interactive traffic") result.pausedTicks++;
        for (const origin of assign(plan, LINES - next)) send(origin);
      } else {
        let total = 0;
        for (const v of inFlight.values()) total += v;
        for (; total < PACING.maxTotal && next < LINES; total++) send(ORIGINS[rr++ % ORIGINS.length]!.id);
      }
      clock.after(TICK_MS, tick);
    };
    clock.at(WARMUP_MS, tick);
  }

  clock.run(end + 600_000);
  return result;
}

const modes: Mode[] = ["none", "paced", "naive"];
const results = modes.map(simulate);
const base = summarize(results[0]!.ttft);
console.log(
  `Batch beside interactive traffic, simulated: ${MINUTES} virtual minutes from ${START_UTC_HOUR}:00 UTC, seed ${SEED}; 4 llama-8b engines (H100 timing, batch ≤ 64);` +
    `\ninteractive ${DAY_RPS}/s per origin by day, ${NIGHT_RPS}/s at night (local ${ORIGINS.map((o) => `${o.id} ${Math.floor(localHour(o.lon, 0))}h`).join(", ")}); batch of ${LINES} lines from minute 1\n`,
);
console.log(
  table(
    [
      { title: "batch dispatch", align: "left" },
      { title: "interactive requests" },
      { title: "TTFT p50 ms" },
      { title: "TTFT p99 ms" },
      { title: "p99 vs none" },
      { title: "batch lines/s" },
      { title: "batch completion s" },
      { title: "lines per origin", align: "left" },
    ],
    results.map((r) => {
      const s = summarize(r.ttft);
      const seconds = r.batchDoneAt === null ? NaN : (r.batchDoneAt - WARMUP_MS) / 1000;
      return [
        r.mode === "none" ? "no batch" : r.mode === "paced" ? "paced (worker/batch/pacing.ts)" : "naive (32 in flight, blind)",
        String(s.n),
        fmt(s.p50, 1),
        fmt(s.p99, 1),
        r.mode === "none" ? "-" : `${fmt(((s.p99 - base.p99) / base.p99) * 100, 1)}%`,
        r.mode === "none" ? "-" : fmt(r.linesDone / (Number.isFinite(seconds) ? seconds : (MINUTES * 60_000 - WARMUP_MS) / 1000), 2),
        r.mode === "none" ? "-" : r.batchDoneAt === null ? `not done (${r.linesDone}/${LINES})` : fmt(seconds, 0),
        r.mode === "none" ? "-" : ORIGINS.map((o) => `${o.id} ${r.linesByOrigin.get(o.id) ?? 0}`).join(", "),
      ];
    }),
  ),
);
console.log("\nInteractive TTFT p99 ms by origin (no batch / paced / naive):");
for (const o of ORIGINS) console.log(`  ${o.id.padEnd(10)} ${results.map((r) => fmt(summarize(r.ttftByOrigin.get(o.id) ?? []).p99, 1)).join(" / ")}`);
const paced = results[1]!;
const p99 = summarize(paced.ttft).p99;
const ok = paced.batchDoneAt !== null && p99 <= base.p99 * 1.1;
console.log(`\npaced: the batch ${paced.batchDoneAt === null ? "did not finish" : "finished"}; interactive p99 TTFT ${fmt(((p99 - base.p99) / base.p99) * 100, 1)}% against no batch (limit +10%); ${paced.pausedTicks} of ${paced.ticks} dispatch ticks paused because every origin was busy with interactive traffic`);
process.exit(ok ? 0 : 1);
