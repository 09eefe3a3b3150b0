// A CPU profile of the router under load, from workerd's inspector: where the
// request path spends its CPU. Usage:
//   npx tsx bench/profile.ts [chat|stream] [seconds]
// Prints the functions with the most self time and the most inclusive time
// (the bundle keeps function names), and writes the profile as
// $PROFILE_OUT (default /tmp/meridian.cpuprofile) for DevTools. Streams go
// through the native relay, as in the bench (PROFILE_RELAY=checked: the checked one).

import { writeFileSync } from "node:fs";
import { startOrigin } from "../fleet/server";
import { AdminClient } from "../harness/admin-client";
import { InspectorSession, inspectorTargets } from "./lib/inspector";
import { keepAliveAgent, runLoad } from "./lib/load";
import { seedRouter, startRouter } from "../harness/router";
import { table } from "./lib/stats";

const ADMIN_TOKEN = "adm-bench-0123456789abcdef0123456789abcdef";
const TENANT_KEY = "sk-mrd-bench-0123456789abcdef0123456789abcdef";
const MODEL = "llama-8b";

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number; columnNumber: number };
  hitCount?: number;
  children?: number[];
}
interface Profile {
  nodes: ProfileNode[];
  startTime: number;
  endTime: number;
  samples?: number[];
}

const name = (n: ProfileNode) => `${n.callFrame.functionName || "(anonymous)"} ${n.callFrame.url.split("/").pop()}:${n.callFrame.lineNumber + 1}`;

/**
 * Stages of the request path, by the functions that run them (names before
 * and after the pipeline was gathered in worker/pipeline/). A sample belongs to
 * the innermost stage on its stack; what is under none is the framework's,
 * the runtime's or idle.
 */
const STAGES: [string, RegExp][] = [
  ["authenticate", /^(authenticate|authenticateStage)$/],
  ["read & validate", /^(readJson|readBody|parseOrThrow|readRequest|validate)$/],
  ["rules", /^(tenantRules|resolve|routingPreferences|applyRules|rulesStage|decideAuto|chooseAuto)$/],
  ["admit", /^(admit|checkFunds|drawFunds|enforceRateLimits|admitStage)$/],
  ["cache", /^(withCache|lookupOrSend|cacheStage)$/],
  ["route", /^(rankCandidates|plan|planRoute|route|routeStage)$/],
  ["forward (one attempt, fetch)", /^(forward|launch|attempt)$/],
  ["relay (stream)", /^(pull|relay|pass|finish|readToEnd|relayNatively|pipeAfter|meterCopy)$/],
  ["meter", /^(metered|meter|record|record2|recordUsageOf|meterStage)$/],
  ["respond (headers)", /^(respond|writeHeaders|setRateLimitHeaders)$/],
  ["usage batches (recorder, queue)", /^(flush|persist|sendOnce|report|deliverQueuedUsage|consumeUsage)$/],
  ["Tenant object (same process)", /^(leaseFunds|holdFunds|recordUsage|lease|account|poll|releaseFunds)$/],
  ["region stats (client, object)", /^(observe|regionSnapshot|flushObservations|record|snapshot)$/],
];

function stageTable(profile: Profile, requests: number, usPerHit: number): void {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const hits = new Map<string, number>();
  const walk = (id: number, stage: string): void => {
    const n = byId.get(id)!;
    const own = STAGES.find(([, re]) => re.test(n.callFrame.functionName))?.[0] ?? stage;
    hits.set(own, (hits.get(own) ?? 0) + (n.hitCount ?? 0));
    for (const c of n.children ?? []) walk(c, own);
  };
  walk(profile.nodes[0]!.id, "framework, runtime, GC");
  const idle = profile.nodes.filter((n) => n.callFrame.functionName === "(idle)").reduce((sum, n) => sum + (n.hitCount ?? 0), 0);
  hits.set("framework, runtime, GC", (hits.get("framework, runtime, GC") ?? 0) - idle);
  const busy = [...hits.values()].reduce((a, b) => a + b, 0);
  const rows = [...STAGES.map(([name]) => name), "framework, runtime, GC"].map((name) => [name, ((hits.get(name) ?? 0) * usPerHit / requests).toFixed(0), (((hits.get(name) ?? 0) / busy) * 100).toFixed(1)]);
  console.log("By stage (samples on the isolate's thread; profiler on, so absolute figures run high: read the shares)");
  console.log(table([{ title: "stage", align: "left" }, { title: "µs/req" }, { title: "% busy" }], rows));
  console.log("");
}

function summarizeProfile(profile: Profile, requests: number): void {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const total = profile.nodes.reduce((s, n) => s + (n.hitCount ?? 0), 0);
  const usPerHit = (profile.endTime - profile.startTime) / Math.max(1, total);
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
    const body = JSON.stringify({
      model: MODEL,
      messages: [{ role: "user", content: "Write one short paragraph about a quiet harbor town in winter." }],
      max_tokens: 32,
      ...(stream ? { stream: true, stream_options: { include_usage: true } } : {}),
    });
    // PROFILE_PLAIN=1: a tenant with no limits, credits, budget or rules instead of the bench tenant.
    let key = TENANT_KEY;
    if (process.env.PROFILE_PLAIN === "1") {
      key = "sk-mrd-plain-0123456789abcdef0123456789abcdef";
      const admin = new AdminClient(router.url, ADMIN_TOKEN);
      await admin.call("PUT", "/tenants/plain", { name: "Plain tenant" });
      await admin.call("POST", "/tenants/plain/keys", { name: "plain", key });
    }
    const target = { url: `${router.url}/v1/chat/completions`, headers: { authorization: `Bearer ${key}` }, body, stream };
    const agent = keepAliveAgent(concurrency);
    await runLoad(target, { concurrency, durationMs: 2000, agent });
    const inspected = (await inspectorTargets(router.inspectorUrl!)).find((t) => t.id.startsWith("core:user:"));
    const session = await InspectorSession.connect(inspected!.webSocketDebuggerUrl);
    await session.call("Profiler.enable");
    await session.call("Profiler.setSamplingInterval", { interval: 50 });
    await session.call("Profiler.start");
    const cpu0 = router.cpuSeconds();
    const res = await runLoad(target, { concurrency, durationMs: seconds * 1000, agent });
    const cpu = router.cpuSeconds() - cpu0;
    const { profile } = await session.call<{ profile: Profile }>("Profiler.stop");
    session.close();
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
