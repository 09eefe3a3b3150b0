// Engine load moves routing: two origins side by side in one region, equally
// fast as far as the region's passive statistics can tell, one of them with a
// long queue on its own /metrics. Within a few seconds of the queue showing
// in the region's snapshot, the loaded one loses most of the traffic.
import { beforeAll, describe, expect, it } from "vitest";
import { vllmPage } from "../../harness/metrics-origin";
import { adminJson, chat, fleet, newTenant, userMessage } from "./helpers";

const FRANKFURT = { region: "weur", lat: 50.1, lon: 8.7 };
const fromEurope = { "x-meridian-dev-region": "weur", "x-meridian-hedge": "off" };
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const engines = () => fleet().engines!.url;

async function steer(name: string, body: string): Promise<void> {
  const res = await fetch(`${engines()}/_engines/${name}`, { method: "POST", body: JSON.stringify({ body }) });
  if (!res.ok) throw new Error(`could not steer ${name}`);
}

function register(id: string) {
  return adminJson("PUT", `/origins/${id}`, {
    base_url: `${engines()}/${id}/v1`,
    ...FRANKFURT,
    models: { "m-engine-route": "llama-8b" },
    price: { input_per_m: 0.2, output_per_m: 0.6 },
    metrics: { format: "vllm" },
  });
}

type Row = { origin: string; load: { waiting: number } | null };
async function loads(): Promise<Record<string, Row["load"]>> {
  const body = await adminJson<{ data: Row[] }>("GET", "/regions/weur/stats");
  return Object.fromEntries(body.data.map((r) => [r.origin, r.load]));
}

let key: string;
beforeAll(async () => {
  key = (await newTenant()).key;
});

describe("engine load in routing", () => {
  it("sends most traffic away from an origin whose engine reports a long queue, within seconds", async () => {
    await steer("route-loaded", vllmPage(64, 16, 0.97));
    await steer("route-idle", vllmPage(0, 0, 0.05));
    await register("route-loaded");
    await register("route-idle");
    // Both readings reach the region's snapshot (the read-out shows what the snapshot carries).
    const started = Date.now();
    for (;;) {
      const l = await loads();
      if (l["route-loaded"]?.waiting === 64 && l["route-idle"]) break;
      if (Date.now() - started > 5_000) throw new Error(`loads never showed: ${JSON.stringify(l)}`);
      await sleep(50);
    }
    // A request or two to refresh this isolate's copy of the snapshot (SNAPSHOT_REFRESH_MS=40 here).
    for (let i = 0; i < 2; i++) {
      await (await chat(key, { model: "m-engine-route", messages: userMessage("warm up") }, fromEurope)).text();
      await sleep(60);
    }
    const counts: Record<string, number> = {};
    for (let i = 0; i < 40; i++) {
      const res = await chat(key, { model: "m-engine-route", messages: userMessage(`request ${i}`), max_tokens: 4 }, fromEurope);
      expect(res.status).toBe(200);
      const origin = res.headers.get("x-meridian-origin")!;
      counts[origin] = (counts[origin] ?? 0) + 1;
      await res.text();
    }
    console.log(`engine-load routing: ${JSON.stringify(counts)} of 40 (${Date.now() - started} ms after registration)`);
    expect(counts["route-loaded"] ?? 0).toBeLessThanOrEqual(8);
    expect(counts["route-idle"] ?? 0).toBeGreaterThanOrEqual(32);
  });
});
