// The skeleton of Meridian's request path without its stages (bench/skeleton.ts
// measures it beside the floor and the router): a Hono app with the same two
// middlewares (a request id; the key hashed and looked up, as worker/tenants/auth.ts does), the chat
// request read and validated with Meridian's own zod schema, one attempt with
// a time limit and an abort controller, the JSON answer read and parsed, the
// answer's headers, and a waitUntil. No rules, limits, funds, cache, routing,
// statistics or metering: what those cost is the router's figure minus this.
import { Hono } from "hono";
import { bearerToken, sha256Hex } from "../../../worker/auth/crypto";
import { chatCompletionRequest } from "../../../worker/schemas/openai";
import { parseOrThrow } from "../../../worker/schemas/validate";

type Env = { Bindings: { ORIGIN: string }; Variables: { requestId: string; tenant: string } };
const app = new Hono<Env>();
const KEY = "sk-mrd-bench-0123456789abcdef0123456789abcdef";
/** Key hash -> tenant, as the isolate's key cache holds it once warm. */
const tenants = new Map<string, string>();

app.use(async (c, next) => {
  const id = c.req.header("x-request-id") || crypto.randomUUID();
  c.set("requestId", id);
  await next();
  c.res.headers.set("x-request-id", id);
});
app.use("/v1/*", async (c, next) => {
  if (tenants.size === 0) tenants.set(await sha256Hex(KEY), "bench");
  const tenant = tenants.get(await sha256Hex(bearerToken(c.req.header("authorization")) ?? ""));
  if (!tenant) return c.json({ error: { message: "Invalid API key." } }, 401);
  c.set("tenant", tenant);
  await next();
});
app.post("/v1/chat/completions", async (c) => {
  const body = parseOrThrow(chatCompletionRequest, JSON.parse(await c.req.text()));
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(), 30_000);
  const started = Date.now();
  const res = await fetch(c.env.ORIGIN + "/chat/completions", {
    method: "POST",
    headers: { "content-type": "application/json", accept: "application/json", "x-request-id": c.get("requestId") },
    body: JSON.stringify(body),
    signal: controller.signal,
  });
  const text = await res.text();
  clearTimeout(timer);
  const usage = (JSON.parse(text) as { usage?: { completion_tokens?: number } }).usage;
  const out = new Response(text, { status: res.status, headers: { "content-type": "application/json" } });
  const h = out.headers;
  h.set("x-meridian-origin", "bench");
  h.set("x-meridian-region", "enam");
  h.set("x-meridian-attempts", "1");
  h.set("x-meridian-route", "throughput: expected 12ms (ttft 3ms, measured); 1 eligible");
  h.set("x-meridian-upstream-request-id", c.get("requestId"));
  h.set("server-timing", `route;dur=0, origin;dur=${Date.now() - started};desc="ttft"`);
  h.set("x-meridian-model", "llama-8b");
  h.set("x-meridian-cache", "off");
  h.set("x-meridian-rules-version", "1");
  h.set("x-ratelimit-limit-requests", "100000");
  h.set("x-ratelimit-remaining-requests", "99999");
  h.set("x-ratelimit-limit-tokens", "100000000");
  h.set("x-ratelimit-remaining-tokens", "99999999");
  c.executionCtx.waitUntil(Promise.resolve(usage?.completion_tokens));
  return out;
});
export default app;
