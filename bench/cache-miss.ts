// What a response-cache miss costs Meridian itself, apart from Miniflare's KV
// and Cache API simulators, which run on the router's thread here (on
// Cloudflare they are services outside the isolate). Usage:
//   npx tsx bench/cache-miss.ts [seconds per round] [rounds]
//
// One router, the bench tenant's features on, non-streamed requests at c=1, every prompt new:
//   off       the tenant's cache off (the baseline);
//   distinct  cache on, prompts of random words (a miss that finds no candidate);
//   near      cache on, one prompt with a counter in it (the cache suite's miss: every prompt
//             falls in the same bands, so each miss verifies the most candidates it may).
// The workerd process's CPU per request is measured without the profiler, in alternating
// rounds. Meridian's own share comes from one CPU profile per mode of the router's isolate
// (its Durable Objects run in it; the simulators run in isolates of their own): the isolate's
// busy samples per request, against the samples of stages that do the same work in every
// mode (authenticate, read, rules, admit, route, meter, headers), which calibrate how much
// time a sample stands for in that mode. The process CPU of `off` is taken as all Meridian's.
// The profiles are left in the temp folder (meridian-cache-<mode>.cpuprofile) for DevTools.
import { writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startOrigin } from "../fleet/server";
import { AdminClient } from "../harness/admin-client";
import { seedRouter, startRouter } from "../harness/router";
import { DEMO_TENANT } from "../harness/seed";
import { stageHits, startProfiling } from "./lib/cpu-profile";
import { keepAliveAgent, runLoad, type LoadTarget } from "./lib/load";
import { fmt, percentile, table } from "./lib/stats";

const ADMIN = "adm-bench-0123456789abcdef0123456789abcdef";
const KEY = "sk-mrd-bench-0123456789abcdef0123456789abcdef";
const CACHE_TENANT = "bench-cache";
const CACHE_KEY = "sk-mrd-bench-cache-0123456789abcdef0123456789abcd";
const MODEL = "llama-8b";
const seconds = Number(process.argv[2] ?? 4);
const rounds = Number(process.argv[3] ?? 3);
/** Stages whose work does not depend on the cache (see the header). */
const YARDSTICK = ["authenticate", "read & validate", "rules", "admit", "route", "meter", "respond (headers)"];
const WORDS =
  "river garden winter bread engine planet violin harbor market forest candle mirror silver pepper ladder castle rocket pillow canvas copper meadow lantern bottle tunnel orchard glacier compass feather saddle blanket thunder marble basket cactus falcon helmet island jungle kettle lemon magnet needle ocean pencil quartz ribbon saucer tiger umbrella valley wagon yogurt zipper anchor beacon cotton desert".split(" ");

type Mode = "off" | "distinct" | "near";
const MODES: Mode[] = ["off", "distinct", "near"];

let seed = 12345;
const random = () => ((seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) / 2 ** 32);
let counter = 0;
const prompts: Record<Mode, () => string> = {
  off: () => `Write one short paragraph about a quiet harbor town in winter. (request ${++counter})`,
  distinct: () => `Write about ${Array.from({ length: 8 }, () => WORDS[Math.floor(random() * WORDS.length)]).join(" ")} and ${++counter} more.`,
  near: () => `Write one short paragraph about a quiet harbor town in winter. (request ${++counter})`,
};
const body = (mode: Mode) => () => JSON.stringify({ model: MODEL, messages: [{ role: "user", content: prompts[mode]() }], max_tokens: 32, temperature: 0 });

const origin = await startOrigin({ id: "bench", models: [MODEL], profile: "llama-8b", speed: 1000 });
const router = await startRouter({ adminToken: ADMIN, inspector: true });
try {
  await seedRouter(router, ADMIN, KEY, { id: "bench", baseUrl: origin.baseUrl, region: "enam", lat: 39.04, lon: -77.49, models: [MODEL], price: { input_per_m: 0.2, output_per_m: 0.6 } });
  const admin = new AdminClient(router.url, ADMIN);
  // The cache tenant is the bench tenant's twin (limits, prepaid balance, hard budget) with its cache on.
  await admin.call("PUT", `/tenants/${CACHE_TENANT}`, { name: "bench, cache on", limits: { rpm: 10_000_000, tpm: 10_000_000_000 }, prepaid: true, budget: { monthly_usd: 1_000_000, mode: "hard" } });
  await admin.call("POST", `/tenants/${CACHE_TENANT}/credits`, { amount_usd: 1_000_000, note: "bench" });
  await admin.call("POST", `/tenants/${CACHE_TENANT}/keys`, { name: "bench", key: CACHE_KEY });
  await admin.call("PUT", `/tenants/${CACHE_TENANT}/rules`, { cache: { exact: true, semantic: true } });
  await admin.call("PUT", `/tenants/${DEMO_TENANT}/rules`, { cache: { exact: false, semantic: false } });

  const target = (mode: Mode): LoadTarget => ({
    url: `${router.url}/v1/chat/completions`,
    headers: { authorization: `Bearer ${mode === "off" ? KEY : CACHE_KEY}` },
    body: body(mode),
    stream: false,
    countHeader: "x-meridian-cache",
  });
  const agent = keepAliveAgent(1);
  const cpu: Record<Mode, number[]> = { off: [], distinct: [], near: [] };
  const latency: Record<Mode, number[]> = { off: [], distinct: [], near: [] };
  const outcomes: Record<Mode, Record<string, number>> = { off: {}, distinct: {}, near: {} };
  const measure = async (mode: Mode, ms: number) => {
    const c0 = router.cpuSeconds();
    const res = await runLoad(target(mode), { concurrency: 1, durationMs: ms, agent });
    const perRequest = ((router.cpuSeconds() - c0) * 1e6) / Math.max(1, res.ok + res.errors);
    for (const [k, v] of Object.entries(res.headerCounts)) outcomes[mode][k] = (outcomes[mode][k] ?? 0) + v;
    if (res.errors) outcomes[mode][`error: ${res.firstError}`] = (outcomes[mode][`error: ${res.firstError}`] ?? 0) + res.errors;
    return { res, perRequest };
  };
  for (const mode of MODES) await measure(mode, 1500); // warm-up
  for (let r = 0; r < rounds; r++) {
    for (const mode of r % 2 ? [...MODES].reverse() : MODES) {
      const { res, perRequest } = await measure(mode, seconds * 1000);
      cpu[mode].push(perRequest);
      latency[mode].push(...res.latencyMs);
    }
  }
  const profiled = {} as Record<Mode, { busy: number; yardstick: number }>;
  for (const mode of MODES) {
    const profiling = await startProfiling(router.inspectorUrl!);
    const { res } = await measure(mode, seconds * 1000);
    const profile = await profiling.stop();
    writeFileSync(join(tmpdir(), `meridian-cache-${mode}.cpuprofile`), JSON.stringify(profile));
    const hits = stageHits(profile);
    const n = res.ok + res.errors;
    const sum = (names: string[]) => names.reduce((s, k) => s + (hits.get(k) ?? 0), 0) / n;
    profiled[mode] = { busy: sum([...hits.keys()]), yardstick: sum(YARDSTICK) };
  }

  const median = (xs: number[]) => percentile([...xs].sort((a, b) => a - b), 50);
  const offCpu = median(cpu.off);
  // Busy samples in yardstick units, relative to `off`: how many times the isolate's work of `off` a mode does.
  const relative = (mode: Mode) => profiled[mode].busy / profiled[mode].yardstick / (profiled.off.busy / profiled.off.yardstick);
  const rows = MODES.map((mode) => {
    const processCpu = median(cpu[mode]);
    const own = offCpu * relative(mode);
    return [
      mode,
      String(latency[mode].length),
      Object.entries(outcomes[mode]).map(([k, v]) => `${k || "(none)"} ${v}`).join(", "),
      fmt(median(latency[mode]), 2),
      fmt(processCpu / 1000, 3),
      fmt(relative(mode), 2),
      fmt(own / 1000, 3),
      mode === "off" ? "—" : `+${fmt((own - offCpu) / 1000, 3)}`,
      fmt((processCpu - own) / 1000, 3),
    ];
  });
  console.log(`chat c=1, ${rounds} alternating rounds of ${seconds} s per mode (medians), then one profiled run per mode`);
  console.log(
    table(
      [
        { title: "mode", align: "left" },
        { title: "requests" },
        { title: "x-meridian-cache", align: "left" },
        { title: "p50 ms" },
        { title: "workerd CPU ms/req" },
        { title: "isolate work ÷ off" },
        { title: "Meridian's own ms/req" },
        { title: "own − off" },
        { title: "simulators & rest ms/req" },
      ],
      rows,
    ),
  );
} finally {
  await router.stop();
  await origin.close();
}
