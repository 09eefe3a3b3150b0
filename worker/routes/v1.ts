import { Hono } from "hono";
import type { AppEnv } from "../app-env";
import { setRateLimitHeaders } from "../limits/headers";
import { proxy } from "../pipeline/proxy";
import { chatCompletionRequest, completionRequest, embeddingRequest, responsesRequest } from "../schemas/openai";
import { authenticate } from "../tenants/auth";
import { postFeedback } from "./feedback";
import { listModels } from "./models";
import { ownUsage } from "./usage";

/** The OpenAI-compatible API, for tenants. */
export const v1 = new Hono<AppEnv>();

v1.use(async (c, next) => {
  c.set("caller", await authenticate(c.env, c.req.header("authorization"), (p) => c.executionCtx.waitUntil(p)));
  await next();
  const version = c.get("rulesVersion");
  if (version !== undefined) c.res.headers.set("x-meridian-rules-version", String(version));
  const rateLimit = c.get("rateLimit");
  if (rateLimit) setRateLimitHeaders(c.res.headers, rateLimit);
});

v1.post("/chat/completions", (c) => proxy(c, { path: "/chat/completions", schema: chatCompletionRequest, expectDone: true, cacheable: true }));
v1.post("/completions", (c) => proxy(c, { path: "/completions", schema: completionRequest, expectDone: true, cacheable: true }));
v1.post("/embeddings", (c) => proxy(c, { path: "/embeddings", schema: embeddingRequest, expectDone: false, cacheable: false, generates: false }));
v1.post("/responses", (c) => proxy(c, { path: "/responses", schema: responsesRequest, expectDone: false, cacheable: false }));

v1.get("/models", listModels);

v1.get("/usage", ownUsage);
v1.post("/feedback", postFeedback);
