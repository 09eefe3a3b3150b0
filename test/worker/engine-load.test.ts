// Engines' own load, end to end: an origin that names its metrics is read by
// the one EngineScraper object (ENGINE_LOAD_MS=200 here) over real HTTP from
// harness/metrics-origin.ts, and every region's read-out carries its load.
import { beforeAll, describe, expect, it } from "vitest";
import { vllmPage, type MetricsScript } from "../../harness/metrics-origin";
import type { DashboardView } from "../../worker/dashboard/view";
import { ADMIN_TOKEN, admin, adminJson, chat, expectOpenAiError, fleet, newTenant, registerOrigin, request, userMessage } from "./helpers";

const INTERVAL_MS = 200; // vitest.config.ts
const FRANKFURT = { region: "weur", lat: 50.1, lon: 8.7 };
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const engines = () => fleet().engines!.url;
const bearer = { authorization: `Bearer ${ADMIN_TOKEN}` };

type LoadRow = { waiting: number; running: number; kv_usage: number; prefix_hit_rate: number | null; at: number } | null;

async function steer(name: string, script: MetricsScript): Promise<void> {
  const res = await fetch(`${engines()}/_engines/${name}`, { method: "POST", body: JSON.stringify(script) });
  if (!res.ok) throw new Error(`could not steer ${name}`);
}

async function engineSide(name: string): Promise<{ reads: number; lastAuthorization: string | null }> {
  return (await (await fetch(`${engines()}/_engines/${name}`)).json()) as { reads: number; lastAuthorization: string | null };
}

function register(id: string, name: string, model: string, extra: Record<string, unknown> = {}) {
  return adminJson("PUT", `/origins/${id}`, {
    base_url: `${engines()}/${name}/v1`,
    ...FRANKFURT,
    models: { [model]: "llama-8b" },
    price: { input_per_m: 0.2, output_per_m: 0.6 },
    metrics: { format: "vllm" },
    ...extra,
  });
}

async function loadOf(region: string, origin: string): Promise<LoadRow | undefined> {
  const body = await adminJson<{ data: { origin: string; load: LoadRow }[] }>("GET", `/regions/${region}/stats`);
  return body.data.find((r) => r.origin === origin)?.load;
}

/** Polls the read-out (which is what makes regions pull) until `ready`, for at most `ms`. */
async function loadWhen(region: string, origin: string, ready: (l: LoadRow | undefined) => boolean, ms = 5_000): Promise<LoadRow | undefined> {
  const until = Date.now() + ms;
  let last: LoadRow | undefined;
  while (Date.now() < until) {
    last = await loadOf(region, origin);
    if (ready(last)) return last;
    await sleep(50);
  }
  throw new Error(`${origin} in ${region}: load never got there: ${JSON.stringify(last)}`);
}

let key: string;
beforeAll(async () => {
  key = (await newTenant()).key;
});

// Several reads of the scraper's 200 ms interval each: more than vitest's default 5 s on a busy machine.
describe("engine load in every region's snapshot", { timeout: 20_000 }, () => {
  it("shows a registered origin's queue, batch and KV use in the read-out within a few seconds, in every region", async () => {
    await steer("el-busy", { body: vllmPage(7, 3, 0.42, 1_000, 600) });
    const t = Date.now();
    await register("el-busy", "el-busy", "m-el-busy");
    const load = await loadWhen("weur", "el-busy", (l) => !!l);
    const took = Date.now() - t;
    expect(load).toMatchObject({ waiting: 7, running: 3, kv_usage: 0.42, prefix_hit_rate: null });
    expect(took).toBeLessThan(5_000); // 25 intervals: the reading is there within seconds, not at the next minute
    // Another region, which never saw a request for it, carries the same reading.
    expect(await loadWhen("apac", "el-busy", (l) => !!l)).toMatchObject({ waiting: 7, kv_usage: 0.42 });
    // vLLM's hit rate comes from the counters' growth between two readings: 1,000 more queried tokens, 900 hits.
    await steer("el-busy", { body: vllmPage(2, 3, 0.5, 2_000, 1_500) });
    expect(await loadWhen("weur", "el-busy", (l) => l?.prefix_hit_rate != null)).toMatchObject({ waiting: 2, prefix_hit_rate: 0.9 });
  });

  it("keeps a vLLM origin's last prefix hit rate while its page shows no new prefix-cache queries", async () => {
    await steer("el-quiet", { body: vllmPage(1, 1, 0.2, 1_000, 500) });
    await register("el-quiet", "el-quiet", "m-el-quiet");
    await loadWhen("weur", "el-quiet", (l) => !!l);
    await steer("el-quiet", { body: vllmPage(2, 1, 0.2, 2_000, 1_250) }); // 1,000 more queried, 750 hits
    expect(await loadWhen("weur", "el-quiet", (l) => l?.waiting === 2)).toMatchObject({ prefix_hit_rate: 0.75 });
    // No query since: the counters say nothing about the cache, so the rate read last stands (not null).
    await steer("el-quiet", { body: vllmPage(3, 1, 0.2, 2_000, 1_250) });
    expect(await loadWhen("weur", "el-quiet", (l) => l?.waiting === 3)).toMatchObject({ prefix_hit_rate: 0.75 });
  });

  it("reads each origin once per interval for the whole world, however many regions read", async () => {
    await steer("el-once", { body: vllmPage(1) });
    await register("el-once", "el-once", "m-el-once");
    await loadWhen("weur", "el-once", (l) => !!l);
    const regions = ["weur", "enam", "apac", "oc", "sam"];
    const before = (await engineSide("el-once")).reads;
    const started = Date.now();
    while (Date.now() - started < 2_000) {
      await Promise.all(regions.map((r) => loadOf(r, "el-once")));
      await sleep(20);
    }
    const reads = (await engineSide("el-once")).reads - before;
    const intervals = (Date.now() - started) / INTERVAL_MS;
    // Once per interval (alarms may run a little late on a busy machine); five regions each reading would be 5x.
    expect(reads).toBeGreaterThanOrEqual(intervals / 3);
    expect(reads).toBeLessThanOrEqual(intervals + 2);
  });

  it("sends the origin's own credential with the read", async () => {
    await steer("el-auth", { body: vllmPage(0) });
    await register("el-auth", "el-auth", "m-el-auth", { auth: { header: "authorization", value: "Bearer engine-secret" } });
    await loadWhen("weur", "el-auth", (l) => !!l);
    expect((await engineSide("el-auth")).lastAuthorization).toBe("Bearer engine-secret");
  });

  it("drops a reading once it is stale (the engine stopped answering), and the origin still serves", async () => {
    await steer("el-stale", { body: vllmPage(4) });
    await register("el-stale", "el-stale", "m-el-stale");
    await loadWhen("weur", "el-stale", (l) => !!l);
    await steer("el-stale", { status: 503 });
    // Stale after three intervals: gone from the read-out, not carried at its last value.
    await loadWhen("weur", "el-stale", (l) => l === null, 3_000);
    const res = await chat(key, { model: "m-el-stale", messages: userMessage("hi") }, { "x-meridian-dev-region": "weur" });
    expect(res.status).toBe(200);
    await res.text();
  });

  it("keeps origins without metrics on passive statistics: load null, requests answered", async () => {
    await registerOrigin("el-plain", "healthy", { models: { "m-el-plain": "llama-8b" } });
    const res = await chat(key, { model: "m-el-plain", messages: userMessage("hi"), max_tokens: 4 }, { "x-meridian-dev-region": "weur" });
    expect(res.status).toBe(200);
    await res.text();
    await sleep(3 * INTERVAL_MS);
    expect(await loadOf("weur", "el-plain")).toBeNull();
  });
});

describe("hostile metrics endpoints", () => {
  it("survives huge, garbage, slow, redirecting, failing and HTML pages: no load for them, the good one still read, everyone still served", async () => {
    const hostile: Record<string, MetricsScript> = {
      "el-huge": { body: vllmPage(1), repeat: { text: "# padding padding padding padding padding padding\n", times: 30_000 } },
      "el-garbage": { body: "\u0000\u0001 {{{ }}} \n".repeat(2_000) + `__proto__ 5\nconstructor{model_name="x"} 3\nvllm:num_requests_waiting NaN\nvllm:num_requests_waiting -1\n` },
      "el-slow": { body: vllmPage(1), delayMs: 3_000 },
      "el-redirect": { location: `${engines()}/el-target/metrics` },
      "el-failing": { status: 500, body: vllmPage(1) },
      "el-html": { body: "<!doctype html><title>Sign in</title>" },
    };
    for (const [name, script] of Object.entries(hostile)) {
      await steer(name, script);
      await register(name, name, "m-el-hostile");
    }
    await steer("el-target", { body: vllmPage(99) });
    await steer("el-good", { body: vllmPage(3, 1, 0.25) });
    await register("el-good", "el-good", "m-el-good");

    expect(await loadWhen("weur", "el-good", (l) => !!l)).toMatchObject({ waiting: 3, running: 1, kv_usage: 0.25 });
    // Long enough for every hostile one to have been read (and timed out) at least once.
    const deadline = Date.now() + 1_500;
    while (Date.now() < deadline) {
      expect(await loadOf("weur", "el-good")).not.toBeNull(); // one slow engine does not hold up the others' readings
      await sleep(100);
    }
    for (const name of Object.keys(hostile)) {
      expect(await loadOf("weur", name), name).toBeNull();
      expect((await engineSide(name)).reads, name).toBeGreaterThan(0);
    }
    expect((await engineSide("el-target")).reads).toBe(0); // the redirect was not followed

    // The worker answers for models served by those origins.
    for (let i = 0; i < 3; i++) {
      const res = await chat(key, { model: "m-el-hostile", messages: userMessage(`hostile ${i}`) }, { "x-meridian-dev-region": "weur" });
      expect(res.status).toBe(200);
      await res.text();
    }
  });
});

describe("registration", () => {
  it("takes metrics with a format and an optional path, and removes them with null", async () => {
    await steer("el-path", { body: vllmPage(5) });
    const created = await register("el-path", "el-path", "m-el-path", { metrics: { format: "vllm", path: "/metrics" } });
    expect(created).toMatchObject({ metrics: { format: "vllm", path: "/metrics" } });
    await loadWhen("weur", "el-path", (l) => l?.waiting === 5);
    expect(await adminJson("PATCH", "/origins/el-path", { metrics: null })).toMatchObject({ metrics: null });
    await loadWhen("weur", "el-path", (l) => l === null, 3_000);
  });

  it("refuses a bad metrics field with a 400 that names it", async () => {
    const bad: unknown[] = [
      { format: "prometheus" },
      { format: "vllm", path: "metrics" },
      { format: "vllm", path: "//evil.example/metrics" },
      { format: "vllm", path: "/metrics\r\nx-injected: 1" },
      { format: "vllm", path: "/\\evil.example" },
      { format: "vllm", path: `/${"a".repeat(300)}` },
      { format: "vllm", extra: true },
      { path: "/metrics" },
      "vllm",
      { __proto__: { format: "vllm" } },
    ];
    for (const metrics of bad) {
      const res = await admin("PUT", "/origins/el-bad", { base_url: `${engines()}/el-bad/v1`, ...FRANKFURT, models: { m: "llama-8b" }, price: { input_per_m: 0, output_per_m: 0 }, metrics });
      const error = await expectOpenAiError(res, 400);
      expect(error.message, JSON.stringify(metrics)).toContain("metrics");
    }
  });
});

describe("who may read it", () => {
  it("keeps the read-outs admin-only, as they are: a tenant key is refused at the region stats and the dashboard", async () => {
    for (const path of ["/admin/v1/regions/weur/stats", "/admin/dashboard/data", "/admin/dashboard"]) {
      const res = await request("GET", path, { headers: { authorization: `Bearer ${key}` } });
      expect(res.status, path).toBe(401);
      await res.text();
    }
  });

  it("shows each engine's load and hour, and where each region's traffic went, on the dashboard", async () => {
    await steer("el-dash", { body: vllmPage(6, 2, 0.75) });
    await register("el-dash", "el-dash", "m-el-dash");
    for (let i = 0; i < 3; i++) {
      const res = await chat(key, { model: "m-el-dash", messages: userMessage(`dash ${i}`) }, { "x-meridian-dev-region": "weur" });
      expect(res.status).toBe(200);
      await res.text();
    }
    let view: DashboardView | null = null;
    const until = Date.now() + 5_000;
    while (Date.now() < until) {
      view = (await (await request("GET", "/admin/dashboard/data", { headers: bearer })).json()) as DashboardView;
      const engine = view.engines.find((e) => e.id === "el-dash");
      const weur = view.traffic.find((t) => t.region === "weur")?.shares.find((s) => s.origin === "el-dash");
      if (engine?.load && engine.series.length > 0 && (weur?.requests ?? 0) >= 3) break;
      await sleep(100);
    }
    const engine = view!.engines.find((e) => e.id === "el-dash")!;
    expect(engine).toMatchObject({ format: "vllm", load: { waiting: 6, running: 2, kv_usage: 0.75 } });
    expect(engine.series.at(-1)).toMatchObject({ waiting: 6, kvUsage: 0.75 });
    expect(view!.traffic.find((t) => t.region === "weur")!.shares.find((s) => s.origin === "el-dash")!.requests).toBeGreaterThanOrEqual(3);
    const html = await (await request("GET", "/admin/dashboard", { headers: bearer })).text();
    expect(html).toMatch(/<tr data-engine="el-dash"><th[^>]*>el-dash<\/th><td class="waiting">6<\/td><td class="running">2<\/td><td class="kv">75%<\/td>/);
    expect(html).toContain(`<table id="traffic">`);
    expect(html).toMatch(/<td class="cell share" style="background:hsl\(210 70% \d+%\)" data-traffic-origin="el-dash" data-traffic-region="weur"/);
    // Heat-map cells stay the only ones named by data-origin and data-region (the browser test finds them so).
    expect(html.match(/<td[^>]*data-origin="el-dash" data-region="weur"/g)).toHaveLength(1);
    expect(html).toMatch(/<svg class="spark"[^>]*><title>el-dash: queue over the last hour/);
  });
});
