// Where the router's CPU goes, by elimination: workerd CPU per request for
// requests that stop at successive depths of the request path, and for a
// tenant with no limits, credits or budget. Usage: npx tsx bench/attribute.ts [seconds]
import { startOrigin } from "../fleet/server";
import { AdminClient } from "../harness/admin-client";
import { startFloor } from "./lib/floor";
import { keepAliveAgent, runLoad, type LoadTarget } from "./lib/load";
import { seedRouter, startRouter } from "../harness/router";
import { table } from "./lib/stats";

const ADMIN = "adm-bench-0123456789abcdef0123456789abcdef";
const KEY = "sk-mrd-bench-0123456789abcdef0123456789abcdef";
const PLAIN_KEY = "sk-mrd-plain-0123456789abcdef0123456789abcdef";
const seconds = Number(process.argv[2] ?? 3);
const origin = await startOrigin({ id: "bench", models: ["llama-8b"], profile: "llama-8b", speed: 1000 });
const router = await startRouter({ adminToken: ADMIN });
const floor = await startFloor(origin.baseUrl);
try {
  await seedRouter(router, ADMIN, KEY, { id: "bench", baseUrl: origin.baseUrl, region: "enam", lat: 39.04, lon: -77.49, models: ["llama-8b"], price: { input_per_m: 0.2, output_per_m: 0.6 } });
  const admin = new AdminClient(router.url, ADMIN);
  await admin.call("PUT", "/tenants/plain", { name: "Plain tenant" });
  await admin.call("POST", "/tenants/plain/keys", { name: "plain", key: PLAIN_KEY });
  const chat = (stream: boolean) =>
    JSON.stringify({ model: "llama-8b", messages: [{ role: "user", content: "Write one short paragraph about a quiet harbor town in winter." }], max_tokens: 32, ...(stream ? { stream: true, stream_options: { include_usage: true } } : {}) });
  const auth = (key: string) => ({ authorization: `Bearer ${key}` });
  const cases: [string, LoadTarget, () => number][] = [
    ["floor: chat", { url: `${floor.url}/chat/completions`, headers: {}, body: chat(false), stream: false }, () => floor.cpuSeconds()],
    ["floor: stream", { url: `${floor.url}/chat/completions`, headers: {}, body: chat(true), stream: true }, () => floor.cpuSeconds()],
    ["router: 400 before auth (empty key)", { url: `${router.url}/v1/chat/completions`, headers: { authorization: "Bearer " }, body: chat(false), stream: false }, () => router.cpuSeconds()],
    ["router: 404 model (auth, read, rules)", { url: `${router.url}/v1/chat/completions`, headers: auth(PLAIN_KEY), body: chat(false).replace("llama-8b", "no-such-model"), stream: false }, () => router.cpuSeconds()],
    ["router: chat, plain tenant", { url: `${router.url}/v1/chat/completions`, headers: auth(PLAIN_KEY), body: chat(false), stream: false }, () => router.cpuSeconds()],
    ["router: chat, bench tenant (limits, credits, budget)", { url: `${router.url}/v1/chat/completions`, headers: auth(KEY), body: chat(false), stream: false }, () => router.cpuSeconds()],
    ["router: stream, plain tenant", { url: `${router.url}/v1/chat/completions`, headers: auth(PLAIN_KEY), body: chat(true), stream: true }, () => router.cpuSeconds()],
    ["router: stream, bench tenant", { url: `${router.url}/v1/chat/completions`, headers: auth(KEY), body: chat(true), stream: true }, () => router.cpuSeconds()],
  ];
  const rows: string[][] = [];
  for (const [name, target, cpu] of cases) {
    const agent = keepAliveAgent(1);
    await runLoad(target, { concurrency: 1, durationMs: 1000, agent });
    const c0 = cpu();
    const r = await runLoad(target, { concurrency: 1, durationMs: seconds * 1000, agent });
    const n = r.ok + r.errors;
    rows.push([name, String(n), String(r.errors), (((cpu() - c0) * 1e6) / n).toFixed(0)]);
    agent.destroy();
  }
  console.log(table([{ title: "case", align: "left" }, { title: "requests" }, { title: "non-200" }, { title: "workerd µs/req" }], rows));
} finally {
  await floor.stop();
  await router.stop();
  await origin.close();
}
