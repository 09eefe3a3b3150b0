// A CPU profile of the router under load, from workerd's inspector: where the
// request path spends its CPU. Usage:
//   npx tsx bench/profile.ts [chat|stream] [seconds]
// Prints the functions with the most self time and the most inclusive time
// (the bundle keeps function names), and writes the profile as
// $PROFILE_OUT (default /tmp/meridian.cpuprofile) for DevTools. Streams go
// through the native relay, as in the bench (PROFILE_RELAY=checked: the checked one).
// PROFILE_CACHE=miss turns the tenant's cache on and makes every request a miss; =off is its baseline.

import { writeFileSync } from "node:fs";
import { startOrigin } from "../fleet/server";
import { AdminClient } from "../harness/admin-client";
import { name, OTHER_STAGE, stageHits, STAGES, startProfiling, usPerSample, type Profile } from "./lib/cpu-profile";
import { keepAliveAgent, runLoad } from "./lib/load";
import { seedRouter, startRouter } from "../harness/router";
import { DEMO_TENANT } from "../harness/seed";
import { table } from "./lib/stats";

const ADMIN_TOKEN = "adm-bench-0123456789abcdef0123456789abcdef";
const TENANT_KEY = "sk-mrd-bench-0123456789abcdef0123456789abcdef";
const MODEL = "llama-8b";

function stageTable(profile: Profile, requests: number, usPerHit: number): void {
  const hits = stageHits(profile);
  const busy = [...hits.values()].reduce((a, b) => a + b, 0);
  const rows = [...STAGES.map(([name]) => name), OTHER_STAGE].map((name) => [name, ((hits.get(name) ?? 0) * usPerHit / requests).toFixed(0), (((hits.get(name) ?? 0) / busy) * 100).toFixed(1)]);
  console.log("By stage (samples on the isolate's thread; profiler on, so absolute figures run high: read the shares)");
  console.log(table([{ title: "stage", align: "left" }, { title: "µs/req" }, { title: "% busy" }], rows));
  console.log("");
}

function summarizeProfile(profile: Profile, requests: number): void {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const total = profile.nodes.reduce((s, n) => s + (n.hitCount ?? 0), 0);
  const usPerHit = usPerSample(profile);
  const self = new Map<string, number>();
  const inclusive = new Map<string, number>();
  // Inclusive: each function counted once per stack (recursion does not double it).
  const walk = (id: number, onStack: Set<string>): number => {
    const n = byId.get(id)!;
    const key = name(n);
    let hits = n.hitCount ?? 0;
    self.set(key, (self.get(key) ?? 0) + hits);
    const fresh = !onStack.has(key);
    if (fresh) onStack.add(key);
    for (const c of n.children ?? []) hits += walk(c, onStack);
    if (fresh) {
      onStack.delete(key);
      inclusive.set(key, (inclusive.get(key) ?? 0) + hits);
    }
    return hits;
  };
  walk(profile.nodes[0]!.id, new Set());
  const idle = (self.get(name(profile.nodes.find((n) => n.callFrame.functionName === "(idle)") ?? profile.nodes[0]!)) ?? 0);
  const busy = total - idle;
  const us = (hits: number) => ((hits * usPerHit) / requests).toFixed(1);
  const top = (m: Map<string, number>, k: number) =>
    [...m.entries()]
      .filter(([key]) => !key.startsWith("(idle)") && !key.startsWith("(root)") && !key.startsWith("(program)"))
      .sort((a, b) => b[1] - a[1])
      .slice(0, k)
      .map(([key, hits]) => [key, us(hits), ((hits / busy) * 100).toFixed(1)]);
  console.log(`${requests} requests, ${total} samples, busy ${us(busy)} µs/request (JS + runtime on the isolate's thread, sampled)`);
  stageTable(profile, requests, usPerHit);
  console.log(`(program) ${us(self.get([...self.keys()].find((k) => k.startsWith("(program)")) ?? "") ?? 0)} µs/request, (garbage collector) ${us(self.get([...self.keys()].find((k) => k.startsWith("(garbage collector)")) ?? "") ?? 0)} µs/request\n`);
  console.log("Self time");
  console.log(table([{ title: "function", align: "left" }, { title: "µs/req" }, { title: "% busy" }], top(self, 45)));
  console.log("\nInclusive time");
  console.log(table([{ title: "function", align: "left" }, { title: "µs/req" }, { title: "% busy" }], top(inclusive, 70)));
}

async function main(): Promise<void> {
  const kind = process.argv[2] === "stream" ? "stream" : "chat";
  const seconds = Number(process.argv[3] ?? 8);
  const concurrency = Number(process.env.PROFILE_CONCURRENCY ?? (kind === "stream" ? 8 : 1));
  const origin = await startOrigin({ id: "bench", models: [MODEL], profile: "llama-8b", speed: 1000 });
  const router = await startRouter({ adminToken: ADMIN_TOKEN, inspector: true, ...(process.env.PROFILE_VARS ? { vars: JSON.parse(process.env.PROFILE_VARS) as Record<string, string> } : {}) });
  try {
    await seedRouter(router, ADMIN_TOKEN, TENANT_KEY, { id: "bench", baseUrl: origin.baseUrl, region: "enam", lat: 39.04, lon: -77.49, models: [MODEL], price: { input_per_m: 0.2, output_per_m: 0.6 }, streamRelay: process.env.PROFILE_RELAY === "checked" ? "checked" : "native" });
    const stream = kind === "stream";
    // PROFILE_CACHE=miss: the tenant's exact and semantic cache on, and every prompt new (a miss
    // each time); PROFILE_CACHE=off: the same requests, the tenant's cache off (its baseline).
    // The KV and Cache API simulators run in isolates of their own.
    const cacheRun = process.env.PROFILE_CACHE === "miss" || process.env.PROFILE_CACHE === "off";
    const cacheMiss = process.env.PROFILE_CACHE === "miss";
    let counter = 0;
    const chat = (prompt: string) =>
      JSON.stringify({
        model: MODEL,
        messages: [{ role: "user", content: prompt }],
        max_tokens: 32,
        ...(cacheRun ? { temperature: 0 } : {}), // cacheable, whether or not the tenant caches
        ...(stream ? { stream: true, stream_options: { include_usage: true } } : {}),
      });
    const prompt = "Write one short paragraph about a quiet harbor town in winter.";
    // Both runs send a numbered prompt, so the bodies are alike in size.
    const body = () => chat(`${prompt} (request ${++counter})`);
    // PROFILE_PLAIN=1: a tenant with no limits, credits, budget or rules instead of the bench tenant.
    let key = TENANT_KEY;
    if (process.env.PROFILE_PLAIN === "1") {
      key = "sk-mrd-plain-0123456789abcdef0123456789abcdef";
      const admin = new AdminClient(router.url, ADMIN_TOKEN);
      await admin.call("PUT", "/tenants/plain", { name: "Plain tenant" });
      await admin.call("POST", "/tenants/plain/keys", { name: "plain", key });
    }
    const cache = { exact: cacheMiss, semantic: cacheMiss };
    if (cacheRun) await new AdminClient(router.url, ADMIN_TOKEN).call("PUT", `/tenants/${key === TENANT_KEY ? DEMO_TENANT : "plain"}/rules`, { cache });
    const target = { url: `${router.url}/v1/chat/completions`, headers: { authorization: `Bearer ${key}` }, body, stream };
    const agent = keepAliveAgent(concurrency);
    await runLoad(target, { concurrency, durationMs: 2000, agent });
    const profiling = await startProfiling(router.inspectorUrl!);
    const cpu0 = router.cpuSeconds();
    const res = await runLoad(target, { concurrency, durationMs: seconds * 1000, agent });
    const cpu = router.cpuSeconds() - cpu0;
    const profile = await profiling.stop();
    agent.destroy();
    const out = process.env.PROFILE_OUT ?? "/tmp/meridian.cpuprofile";
    writeFileSync(out, JSON.stringify(profile));
    console.log(`${kind} c=${concurrency}: ${res.ok} ok, ${res.errors} errors; workerd CPU ${((cpu * 1e6) / (res.ok + res.errors)).toFixed(0)} µs/request (profiler on); profile in ${out}`);
    summarizeProfile(profile, res.ok + res.errors);
  } finally {
    await router.stop();
    await origin.close();
  }
}

await main();
