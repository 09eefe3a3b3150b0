// Where the c=1 tail comes from: the same non-streamed request through the
// floor and through Meridian for 5 s each, closed loop; prints p50/p90/p99 and
// the time between slow requests (over 3x the median). Evenly spaced slow
// requests point at periodic work on the worker's thread (e.g. a usage batch
// every FLUSH_AT records). Usage: npx tsx bench/latency-outliers.ts
import { startOrigin } from "../fleet/server";
import { startFloor } from "./lib/floor";
import { keepAliveAgent, runLoad } from "./lib/load";
import { seedRouter, startRouter } from "../harness/router";
const ADMIN = "adm-bench-0123456789abcdef0123456789abcdef";
const KEY = "sk-mrd-bench-0123456789abcdef0123456789abcdef";
const origin = await startOrigin({ id: "bench", models: ["llama-8b"], profile: "llama-8b", speed: 1000 });
const router = await startRouter({ adminToken: ADMIN, ...(process.env.VARS ? { vars: JSON.parse(process.env.VARS) } : {}) });
const floor = await startFloor(origin.baseUrl);
await seedRouter(router, ADMIN, KEY, { id: "bench", baseUrl: origin.baseUrl, region: "enam", lat: 39.04, lon: -77.49, models: ["llama-8b"], price: { input_per_m: 0.2, output_per_m: 0.6 } });
const body = JSON.stringify({ model: "llama-8b", messages: [{ role: "user", content: "Write one short paragraph about a quiet harbor town in winter." }], max_tokens: 32 });
for (const [name, url, headers] of [["floor", `${floor.url}/chat/completions`, {}], ["router", `${router.url}/v1/chat/completions`, { authorization: `Bearer ${KEY}` }]] as const) {
  const agent = keepAliveAgent(1);
  await runLoad({ url, headers, body, stream: false }, { concurrency: 1, durationMs: 1000, agent });
  const r = await runLoad({ url, headers, body, stream: false }, { concurrency: 1, durationMs: 5000, agent });
  const lat = r.latencyMs;
  const sorted = [...lat].sort((a, b) => a - b);
  const p = (q: number) => sorted[Math.floor(q * (sorted.length - 1))]!.toFixed(2);
  let t = 0;
  const slow: number[] = [];
  for (const x of lat) { t += x; if (x > 3 * Number(p(0.5))) slow.push(Math.round(t)); }
  const gaps = slow.slice(1).map((x, i) => x - slow[i]!);
  console.log(`${name}: n=${lat.length} p50 ${p(0.5)} p90 ${p(0.9)} p99 ${p(0.99)} max ${sorted.at(-1)!.toFixed(1)}; ${slow.length} slow (>3x p50), gaps ms: ${gaps.slice(0, 25).join(" ")}`);
  agent.destroy();
}
await floor.stop(); await router.stop(); await origin.close();
