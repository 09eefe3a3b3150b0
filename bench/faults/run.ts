// `npm run test:faults`: the router (one workerd, harness/router.ts) in
// front of local fleet origins, under 8 concurrent clients, one scenario per
// fault. Each scenario adds a fresh origin right beside the PoP (so routing
// prefers it), warms it, injects the fault, keeps the load on, clears the
// fault and waits for the region's statistics to close its circuit again.
// Two healthy origins farther away are always there to fail over to.
// Prints a table; exits 1 when an invariant breaks:
//   - no silent failure (see bench/lib/outcome.ts),
//   - no failed non-streamed request (a healthy origin was always in reach),
//   - every faulty origin's circuit closed again after the fault was removed.
// FLEET_SPEED (default 10) speeds the origins up; FAULT_PHASE_MS (default 3000) is how long each fault lasts.

import { NO_FAULTS } from "../../fleet/faults";
import { startOrigin, type RunningOrigin } from "../../fleet/server";
import { AdminClient } from "../../harness/admin-client";
import { startClients } from "../lib/closed-loop";
import type { ChatResult } from "../lib/chat-client";
import { pollStats, regionStats } from "../lib/region-stats";
import { seedRouter, startRouter } from "../../harness/router";
import { fmt, summarize, table, type Column } from "../lib/stats";
import { SCENARIOS, type FaultScenario } from "./scenarios";

const ADMIN_TOKEN = "faults-admin-token-0123456789abcdef";
const TENANT_KEY = "sk-meridian-faults-0123456789abcdef0123456789";
const MODEL = "llama-8b";
const REGION = "enam";
const POP = { lat: 39.04, lon: -77.49 }; // Ashburn
const CONCURRENCY = 8;
const SPEED = Number(process.env.FLEET_SPEED ?? 10);
const WARM_MS = 1_500;
const FAULT_MS = Number(process.env.FAULT_PHASE_MS ?? 3_000);
const RECOVERY_TIMEOUT_MS = 30_000;
const PRICE = { input_per_m: 0.1, output_per_m: 0.2 };

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

interface ScenarioResult {
  scenario: FaultScenario;
  results: ChatResult[];
  /** Requests the faulty origin received (all its lives). */
  faultyHits: number;
  /** The faulty origin's circuit just before the fault was removed. */
  circuitDuring: string;
  circuitAfter: string;
  recovered: boolean;
}

async function registerOrigin(admin: AdminClient, o: RunningOrigin, at: { lat: number; lon: number }): Promise<void> {
  await admin.call("PUT", `/origins/${o.id}`, { base_url: o.baseUrl, region: REGION, ...at, models: { [MODEL]: MODEL }, price: PRICE });
}

function chatBody(client: number, n: number): Record<string, unknown> {
  const stream = client % 2 === 0;
  return {
    model: MODEL,
    messages: [{ role: "user", content: `Client ${client} asks question ${n}: tell me something about fault tolerance.` }],
    max_tokens: 24,
    ...(stream ? { stream: true } : {}),
  };
}

async function runScenario(routerUrl: string, admin: AdminClient, s: FaultScenario): Promise<ScenarioResult> {
  const id = `faulty-${s.id}`;
  let origin = await startOrigin({ id, models: [MODEL], profile: "llama-8b", speed: SPEED });
  await registerOrigin(admin, origin, POP);
  const headers = {
    authorization: `Bearer ${TENANT_KEY}`,
    "x-meridian-dev-location": `${POP.lat},${POP.lon}`,
  };
  const clients = startClients(CONCURRENCY, (client, n) => ({ routerUrl, headers, body: chatBody(client, n) }));
  let hitsBefore = 0;
  try {
    await sleep(WARM_MS);
    if (s.inject === "kill") {
      const s0 = origin.stats();
      hitsBefore = s0.served + s0.errors;
      await origin.close();
    } else {
      origin.setFaults(s.inject);
    }
    await sleep(FAULT_MS);
    const during = (await regionStats(admin, REGION)).find((x) => x.origin === id);
    if (s.inject === "kill") origin = await startOrigin({ id, port: origin.port, models: [MODEL], profile: "llama-8b", speed: SPEED });
    else origin.setFaults({ ...NO_FAULTS });
    // Load stays on: half-open trials (and probes) close the circuit.
    const { rows, waitedMs } = await pollStats(admin, REGION, (r) => r.find((x) => x.origin === id)?.circuit === "closed", RECOVERY_TIMEOUT_MS);
    const results = await clients.stop();
    const st = origin.stats();
    const circuit = rows.find((x) => x.origin === id)?.circuit ?? "missing";
    const recovered = circuit === "closed";
    return { scenario: s, results, faultyHits: hitsBefore + st.served + st.errors, circuitDuring: during?.circuit ?? "missing", circuitAfter: recovered ? `closed in ${fmt(waitedMs / 1000, 1)} s` : `${circuit} after ${RECOVERY_TIMEOUT_MS / 1000} s`, recovered };
  } finally {
    await clients.stop();
    await admin.call("DELETE", `/origins/${id}`);
    await origin.close();
  }
}

interface Row {
  cells: string[];
  failures: string[];
}

function judge(r: ScenarioResult): Row {
  const count = (pred: (x: ChatResult) => boolean): number => r.results.filter(pred).length;
  const ok = count((x) => x.outcome === "ok");
  const clean = count((x) => x.outcome === "clean_error");
  const broken = count((x) => x.outcome === "broken_stream");
  const silent = r.results.filter((x) => x.outcome === "silent");
  const badFrames = r.results.reduce((n, x) => n + x.malformedFrames, 0);
  const nonStreamFailed = r.results.filter((x) => !x.stream && x.outcome !== "ok");
  const lat = summarize(r.results.map((x) => x.latencyMs));
  const failures: string[] = [];
  if (silent.length) failures.push(`${silent.length} silent failures, e.g. ${silent[0]!.detail}`);
  if (nonStreamFailed.length) failures.push(`${nonStreamFailed.length} non-streamed requests failed, e.g. ${nonStreamFailed[0]!.detail}`);
  if (!r.recovered) failures.push(`circuit did not close: ${r.circuitAfter}`);
  if (r.faultyHits === 0) failures.push("the faulty origin got no traffic: the scenario proved nothing");
  const cells = [r.scenario.id, r.scenario.fault, String(r.results.length), String(r.faultyHits), String(ok), String(clean), String(broken), String(badFrames), String(silent.length), String(nonStreamFailed.length), fmt(lat.p50, 0), fmt(lat.p99, 0), r.circuitDuring, r.circuitAfter];
  return { cells, failures };
}

const COLUMNS: Column[] = [
  { title: "scenario", align: "left" },
  { title: "fault", align: "left" },
  { title: "requests" },
  { title: "faulty hits" },
  { title: "ok" },
  { title: "clean errors" },
  { title: "broken streams (error event)" },
  { title: "bad frames relayed" },
  { title: "silent" },
  { title: "non-stream failed" },
  { title: "p50 ms" },
  { title: "p99 ms" },
  { title: "circuit in fault", align: "left" },
  { title: "circuit after recovery", align: "left" },
];

async function main(): Promise<number> {
  const started = Date.now();
  const healthy = await Promise.all(
    ["healthy-1", "healthy-2"].map((id) => startOrigin({ id, models: [MODEL], profile: "llama-8b", speed: SPEED, networkDelayMs: 40 })),
  );
  // Short limits, set as the operator's: a limit a client sets never counts against an origin.
  const router = await startRouter({ adminToken: ADMIN_TOKEN, vars: { TTFT_TIMEOUT_MS: "1500", ATTEMPT_TIMEOUT_MS: "3000" } });
  try {
    const admin = new AdminClient(router.url, ADMIN_TOKEN);
    // Farther from the PoP than the faulty origins, and slower: failover targets, not first choices.
    await seedRouter(router, ADMIN_TOKEN, TENANT_KEY, { id: healthy[0]!.id, baseUrl: healthy[0]!.baseUrl, region: REGION, lat: 41.88, lon: -87.63, models: [MODEL], price: PRICE });
    await registerOrigin(admin, healthy[1]!, { lat: 32.78, lon: -96.8 });
    console.log(`Fault run: ${router.description}; ${CONCURRENCY} clients (half streamed), fleet speed ${SPEED}, each fault on for ${FAULT_MS / 1000} s\n`);

    const rows: Row[] = [];
    for (const s of SCENARIOS) {
      process.stderr.write(`  [${((Date.now() - started) / 1000).toFixed(0).padStart(3)} s] ${s.id}...\n`);
      rows.push(judge(await runScenario(router.url, admin, s)));
    }
    console.log(table(COLUMNS, rows.map((r) => r.cells)));
    const failures = rows.flatMap((r) => r.failures.map((f) => `${r.cells[0]}: ${f}`));
    console.log(`\n${failures.length ? `FAILED:\n  ${failures.join("\n  ")}` : "All invariants held."} (${((Date.now() - started) / 1000).toFixed(0)} s)`);
    return failures.length ? 1 : 0;
  } finally {
    await router.stop();
    await Promise.all(healthy.map((o) => o.close()));
  }
}

process.exit(await main().catch((err: unknown) => {
  console.error(err instanceof Error ? (err.stack ?? err.message) : err);
  return 1;
}));
