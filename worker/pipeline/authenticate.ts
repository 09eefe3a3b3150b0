// Authenticate: the first stage, as the v1 routes' middleware (every /v1
// route needs the caller): the bearer key's tenant, and the operator's
// settings, read once for the whole request.
import { createMiddleware } from "hono/factory";
import type { AppEnv } from "../app-env";
import { settings } from "../settings";
import { authenticate } from "../tenants/auth";

export const authenticated = createMiddleware<AppEnv>(async (c, next) => {
  const config = settings(c.env);
  c.set("settings", config);
  c.set("caller", await authenticate(c.env, c.req.header("authorization"), config, (p) => c.executionCtx.waitUntil(p)));
  await next();
});
