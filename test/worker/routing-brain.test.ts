import { env } from "cloudflare:workers";
import { runDurableObjectAlarm, runInDurableObject } from "cloudflare:test";
import { afterEach, beforeAll, describe, expect, it } from "vitest";
import { adminJson, chat, fleet, newTenant, readSse, registerOrigin, userMessage } from "./helpers";

// Statistics move fast in tests (SNAPSHOT_REFRESH_MS=40, STATS_FLUSH_MS=20):
// after traffic, one request to trigger a refresh and a short pause make the
// next request route on what the region just learned.
const FRANKFURT = { region: "weur", lat: 50.1, lon: 8.7 };
const VIRGINIA = { region: "enam", lat: 39.0, lon: -77.5 };
const TOKYO = { region: "apac", lat: 35.7, lon: 139.7 };
const fromEurope = { "x-meridian-dev-region": "weur" };
const fromUs = { "x-meridian-dev-region": "enam" };
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

let key: string;
// Hedging is tested on its own below; here it would add attempts whenever a loaded machine runs past a p95.
const ask = (model: string, headers: Record<string, string> = fromEurope, extra: Record<string, unknown> = {}) =>
  chat(key, { model, messages: userMessage("Summarise the plot of Hamlet."), max_tokens: 20, ...extra }, { "x-meridian-hedge": "off", ...headers });

async function settle(model: string, headers: Record<string, string> = fromEurope): Promise<void> {
  await sleep(80);
  await (await ask(model, headers)).text();
  await sleep(80);
}

async function steer(member: string, faults: Record<string, unknown>): Promise<void> {
  const res = await fetch(`${fleet()[member]!.url}/_fleet/faults`, { method: "POST", body: JSON.stringify(faults) });
  if (!res.ok) throw new Error(`could not steer ${member}: ${res.status}`);
}

type StatsRow = { origin: string; circuit: string; requests: number; error_rate: number; models: Record<string, { samples: number; ttft_ms: { p95: number | null } }> };
async function regionStats(region: string): Promise<Record<string, StatsRow>> {
  const body = await adminJson<{ data: StatsRow[] }>("GET", `/regions/${region}/stats`);
  return Object.fromEntries(body.data.map((r) => [r.origin, r]));
}

beforeAll(async () => {
  key = (await newTenant()).key;
});

afterEach(async () => {
  for (const member of ["brain-flaky", "brain-hedge", "brain-regional"]) await steer(member, { errorRate: 0, hang: false });
});

describe("statistics-driven routing", () => {
  it("sends traffic to the fastest healthy origin once statistics exist, even a farther one", async () => {
    await registerOrigin("near-slow", "brain-slow", { ...FRANKFURT, models: { "m-speed": "llama-8b" } });
    await registerOrigin("far-fast", "brain-fast", { ...VIRGINIA, models: { "m-speed": "llama-8b" } });
    // With no statistics, distance decides.
    const first = await ask("m-speed");
    expect(first.headers.get("x-meridian-origin")).toBe("near-slow");
    expect(first.headers.get("x-meridian-route")).toMatch(/^throughput; .*prior/);
    // Measure both (pinning is how an operator or a test gathers samples on purpose).
    for (let i = 0; i < 6; i++) {
      await (await ask("m-speed", { ...fromEurope, "x-meridian-pin": "near-slow" }, { stream: true })).text();
      await (await ask("m-speed", { ...fromEurope, "x-meridian-pin": "far-fast" }, { stream: true })).text();
    }
    await settle("m-speed");
    const stats = await regionStats("weur");
    // The slow one carries 150 ms of injected network delay; the fast one is faster, by however
    // much a busy machine leaves (no ceiling in wall-clock time).
    const slowP95 = stats["near-slow"]!.models["llama-8b"]!.ttft_ms.p95!;
    expect(slowP95).toBeGreaterThan(140);
    expect(stats["far-fast"]!.models["llama-8b"]!.ttft_ms.p95).toBeLessThan(slowP95);

    const chosen: string[] = [];
    for (let i = 0; i < 10; i++) {
      const res = await ask("m-speed");
      chosen.push(res.headers.get("x-meridian-origin")!);
      await res.text();
    }
    expect(chosen.every((o) => o === "far-fast")).toBe(true);
  });

  it("skips a dead origin without the client seeing an error, and routes around it once its circuit opens", async () => {
    await registerOrigin("flaky-near", "brain-flaky", { ...FRANKFURT, models: { "m-flaky": "llama-8b" } });
    await registerOrigin("flaky-far", "brain-fast", { ...TOKYO, models: { "m-flaky": "llama-8b" } });
    await steer("brain-flaky", { errorRate: 1 });
    // Pinned near-first, so every request tries the failing origin before failing over
    // (unpinned, its error rate alone soon steers traffic away).
    for (let i = 0; i < 6; i++) {
      const res = await ask("m-flaky", { ...fromEurope, "x-meridian-pin": "flaky-near,flaky-far" });
      expect(res.status).toBe(200); // failover, never an error for the client
      expect(res.headers.get("x-meridian-origin")).toBe("flaky-far");
      await res.text();
    }
    await settle("m-flaky");
    expect((await regionStats("weur"))["flaky-near"]!.circuit).toBe("open");
    const res = await ask("m-flaky");
    expect(res.headers.get("x-meridian-origin")).toBe("flaky-far");
    expect(res.headers.get("x-meridian-attempts")).toBe("1");
    expect(res.headers.get("x-meridian-route")).toContain("1 excluded");
  });

  it("closes the circuit again after the origin recovers (cool-down, then a healthy probe)", async () => {
    // Continues from the previous test: flaky-near's circuit is open in weur.
    await steer("brain-flaky", { errorRate: 0 });
    const stub = env.REGION_STATS.get(env.REGION_STATS.idFromName("weur"));
    await runDurableObjectAlarm(stub); // a probe inside the cool-down does not cut it short
    expect((await regionStats("weur"))["flaky-near"]!.circuit).toBe("open");
    await sleep(5_100); // the breaker's first cool-down
    expect(await runDurableObjectAlarm(stub)).toBe(true);
    expect((await regionStats("weur"))["flaky-near"]!.circuit).toBe("closed");
    await settle("m-flaky");
    // Back in rotation: it takes traffic again and answers it.
    const served = new Set<string>();
    for (let i = 0; i < 12; i++) {
      const res = await ask("m-flaky");
      expect(res.status).toBe(200);
      expect(res.headers.get("x-meridian-attempts")).toBe("1");
      served.add(res.headers.get("x-meridian-origin")!);
      await res.text();
    }
    expect(served).toContain("flaky-near");
  }, 15_000);

  it("keeps circuits per region: failures seen from Europe do not break the origin for America", async () => {
    await registerOrigin("regional", "brain-regional", { region: "weur", lat: 47, lon: -30, models: { "m-regional": "llama-8b" } });
    await registerOrigin("regional-backup", "brain-fast", { ...TOKYO, models: { "m-regional": "llama-8b" } });
    await steer("brain-regional", { errorRate: 1 });
    for (let i = 0; i < 6; i++) await (await ask("m-regional", { ...fromEurope, "x-meridian-pin": "regional,regional-backup" })).text();
    await settle("m-regional", fromEurope);
    await steer("brain-regional", { errorRate: 0 });

    expect((await regionStats("weur")).regional!.circuit).toBe("open");
    const us = await ask("m-regional", fromUs);
    expect(us.headers.get("x-meridian-origin")).toBe("regional");
    expect(us.headers.get("x-meridian-attempts")).toBe("1");
    await us.text();
    const eu = await ask("m-regional", fromEurope);
    expect(eu.headers.get("x-meridian-origin")).toBe("regional-backup");
    await settle("m-regional", fromUs);
    expect((await regionStats("enam")).regional!.circuit).toBe("closed");
  });
});

describe("hedging", () => {
  it("starts the next origin when the chosen one is slower than its p95, and returns the faster answer", async () => {
    await registerOrigin("hedge-near", "brain-hedge", { ...FRANKFURT, models: { "m-hedge": "llama-8b" } });
    await registerOrigin("hedge-far", "brain-fast", { ...VIRGINIA, models: { "m-hedge": "llama-8b" } });
    const hedger = (await newTenant()).key;
    const stream = () => chat(hedger, { model: "m-hedge", messages: userMessage("Hello"), stream: true, max_tokens: 10 }, fromEurope);
    for (let i = 0; i < 6; i++) await (await stream()).text();
    await settle("m-hedge");
    expect((await regionStats("weur"))["hedge-near"]!.models["llama-8b"]!.samples).toBeGreaterThanOrEqual(5);

    await steer("brain-hedge", { hang: true });
    const res = await stream();
    expect(res.status).toBe(200);
    // Answered by a hedge started alongside the hanging origin (x-meridian-hedged), not by
    // the failover that a 2 s TTFT timeout would start (that one leaves the header unset).
    expect(res.headers.get("x-meridian-origin")).toBe("hedge-far");
    expect(res.headers.get("x-meridian-hedged")).toBe("1");
    expect(res.headers.get("x-meridian-attempts")).toBe("2");
    const { events } = await readSse(res);
    expect(events.at(-1)).toBe("[DONE]");
  });

  it("respects the tenant's hedge budget", async () => {
    // brain-hedge still hangs (reset after each test, so hang it again).
    await steer("brain-hedge", { hang: true });
    const thrifty = (await newTenant()).key;
    const stream = () => chat(thrifty, { model: "m-hedge", messages: userMessage("Hello"), stream: true, max_tokens: 5 }, { ...fromEurope, "x-meridian-ttft-timeout-ms": "300" });
    const hedges = [];
    for (let i = 0; i < 3; i++) {
      const res = await stream();
      hedges.push(res.headers.get("x-meridian-hedged"));
      await res.text();
    }
    // One banked hedge at the start; 5% of three requests earns no second one.
    expect(hedges.filter((h) => h === "1")).toHaveLength(1);
  });

  it("opens the circuit of an origin that hangs while hedges answer for it", async () => {
    await registerOrigin("hang-near", "brain-hedge", { ...FRANKFURT, models: { "m-hang": "llama-8b" } });
    await registerOrigin("hang-far", "brain-fast", { ...VIRGINIA, models: { "m-hang": "llama-8b" } });
    const stream = (caller: string, headers: Record<string, string>) =>
      chat(caller, { model: "m-hang", messages: userMessage("Hello"), stream: true, max_tokens: 5 }, { ...fromEurope, ...headers });
    for (let i = 0; i < 6; i++) await (await stream(key, { "x-meridian-pin": "hang-near" })).text();
    await settle("m-hang");

    await steer("brain-hedge", { hang: true });
    // Fresh tenants each hold one hedge, so every request is hedged: no client waits out the hang,
    // and only the hung attempts, watched to their TTFT limit after the hedge answered, can fail.
    // The operator's limit (2 s here), not a client's tighter one: only that judges an origin.
    const callers = await Promise.all(Array.from({ length: 5 }, () => newTenant()));
    const answers = await Promise.all(callers.map((t) => stream(t.key, {})));
    for (const res of answers) {
      expect(res.headers.get("x-meridian-origin")).toBe("hang-far");
      expect(res.headers.get("x-meridian-hedged")).toBe("1");
      await res.text();
    }
    let circuit = "";
    for (let i = 0; i < 60 && circuit !== "open"; i++) {
      await sleep(100);
      circuit = (await regionStats("weur"))["hang-near"]!.circuit;
    }
    expect(circuit).toBe("open");
    // Once this isolate's snapshot has caught up, nothing is sent to the hung origin.
    await sleep(80);
    await (await stream(key, { "x-meridian-ttft-timeout-ms": "500" })).text();
    await sleep(80);
    const res = await stream(key, { "x-meridian-ttft-timeout-ms": "500" });
    expect(res.headers.get("x-meridian-origin")).toBe("hang-far");
    expect(res.headers.get("x-meridian-attempts")).toBe("1");
    await res.text();
  }, 15_000);
});

describe("the hot path", () => {
  it("routes on the cached snapshot without waiting for the region's object", async () => {
    await registerOrigin("hot-a", "healthy", { region: "sam", lat: -23.5, lon: -46.6, models: { "m-hot": "llama-8b" } });
    const fromBrazil = { "x-meridian-dev-region": "sam" };
    for (let i = 0; i < 6; i++) await (await ask("m-hot", fromBrazil)).text();
    await settle("m-hot", fromBrazil);

    // Hold the sam statistics object for 1.5 s; a request that needed it would wait that long.
    const stub = env.REGION_STATS.get(env.REGION_STATS.idFromName("sam"));
    let released = false;
    const hold = runInDurableObject(stub, (_instance, state) =>
      state.blockConcurrencyWhile(async () => {
        await sleep(1_500);
        released = true;
      }),
    );
    await sleep(50);
    const res = await ask("m-hot", fromBrazil);
    expect(res.status).toBe(200);
    expect(res.headers.get("x-meridian-route")).toMatch(/measured|blend/);
    await res.text();
    expect(released).toBe(false);
    await hold;
  });
});
