import { env } from "cloudflare:workers";
import { abortAllDurableObjects, runDurableObjectAlarm } from "cloudflare:test";
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
});
