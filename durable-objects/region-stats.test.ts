import { env } from "cloudflare:workers";
import { abortAllDurableObjects, runDurableObjectAlarm, runInDurableObject } from "cloudflare:test";
import type { EngineScraper } from "./engine-scraper";
import type { EngineLoad } from "../worker/stats/engine-load";
import { describe, expect, it } from "vitest";
import type { Observation } from "../worker/stats/observation";

const stub = (region: string) => env.REGION_STATS.get(env.REGION_STATS.idFromName(region));
const now = () => Date.now();
const ok = (origin: string, ttftMs: number): Observation => ({ origin, model: "llama-8b", at: now(), ok: true, ttftMs, totalMs: ttftMs + 200, outputTokens: 21 });

describe("RegionStats", () => {
  it("summarises reported observations per origin and model", async () => {
    const s = stub("oc");
    await s.report("oc", [ok("a", 100), ok("a", 120), ok("b", 300), { origin: "b", model: "llama-8b", at: now(), ok: false, status: 500 }]);
    const snap = await s.snapshot("oc");
    expect(snap.region).toBe("oc");
    expect(snap.origins.a!.models["llama-8b"]!.samples).toBe(2);
    expect(snap.origins.a!.models["llama-8b"]!.tpotMs).toBeCloseTo(10, 0);
    expect(snap.origins.b!.errorRate).toBeCloseTo(0.5);
  });

  it("survives a restart: statistics are persisted, not only in memory", async () => {
    const s = stub("afr");
    await s.report("afr", [ok("c", 250), ok("c", 260), ok("c", 270)]);
    const before = await s.snapshot("afr");
    await abortAllDurableObjects(); // drops every instance, keeps storage
    const after = await stub("afr").snapshot("afr");
    expect(after.region).toBe("afr");
    // Same models and counts (only the time-decayed in-flight estimate moves on).
    expect(after.origins.c!.models).toEqual(before.origins.c!.models);
    expect([after.origins.c!.ok, after.origins.c!.circuit]).toEqual([3, "closed"]);
  });

  it("probes the registry's origins from its alarm and forgets origins that left the registry", async () => {
    const s = stub("me");
    await env.KV.put("origins", JSON.stringify({ version: 1, origins: [{ id: "gone", base_url: "http://127.0.0.1:9/v1", region: "me", lat: 25, lon: 55, models: { m: "m" }, price: { input_per_m: 1, output_per_m: 1 }, weight: 1, draining: false, updated_at: 0 }] }));
    await s.report("me", [ok("gone", 100), ok("stale", 100)]);
    expect(await runDurableObjectAlarm(s)).toBe(true);
    const snap = await s.snapshot("me");
    expect(snap.origins.gone!.probe).toMatchObject({ ok: false });
    expect(snap.origins.stale).toBeUndefined();
  });

  it("carries each origin's fresh engine load from the one scraper, even for an origin it has not measured, and drops stale ones", async () => {
    const scraper = env.ENGINE_SCRAPER.get(env.ENGINE_SCRAPER.idFromName("global"));
    const load = (at: number): EngineLoad => ({ waiting: 9, running: 2, kvUsage: 0.5, prefixHitRate: 0.25, at });
    // In the registry (so the scraper's own rounds keep it), at an address that never answers (so they do not overwrite it).
    await env.ORIGIN_REGISTRY.get(env.ORIGIN_REGISTRY.idFromName("global")).put("constructor", { base_url: "http://127.0.0.1:9/v1", region: "eeur", lat: 50, lon: 20, models: { m: "m" }, price: { input_per_m: 1, output_per_m: 1 }, weight: 1, draining: false, metrics: { format: "vllm" } });
    // Readings as the scraper's alarm leaves them (its reads over HTTP are tested in test/worker/engine-load.test.ts).
    await runInDurableObject(scraper, (instance: EngineScraper) => {
      const latest = (instance as unknown as { latest: Map<string, EngineLoad> }).latest;
      latest.set("constructor", load(Date.now() + 60_000)); // fresh for the test's whole run
      latest.set("old", load(Date.now() - 60_000)); // long stale
    });
    const s = stub("eeur");
    let snap = await s.snapshot("eeur");
    for (let i = 0; i < 100 && !Object.hasOwn(snap.origins, "constructor"); i++) {
      await new Promise((r) => setTimeout(r, 50));
      snap = await s.snapshot("eeur");
    }
    expect(Object.hasOwn(snap.origins, "constructor")).toBe(true);
    expect(snap.origins["constructor"]!.load).toMatchObject({ waiting: 9, kvUsage: 0.5 });
    expect(snap.origins["constructor"]!.circuit).toBe("closed");
    expect(Object.hasOwn(snap.origins, "old")).toBe(false);
  });
});
