import { Hono } from "hono";
import type { AppEnv } from "./app-env";
import { ApiError, asApiError } from "./http/errors";
import { admin } from "./routes/admin";
import { dashboard } from "./routes/dashboard";
import { openapi } from "./routes/openapi";
import { v1 } from "./routes/v1";

export const app = new Hono<AppEnv>();

app.use(async (c, next) => {
  const requestId = c.req.header("x-request-id")?.slice(0, 128) || crypto.randomUUID();
  c.set("requestId", requestId);
  await next();
  c.res.headers.set("x-request-id", requestId);
});

app.get("/healthz", (c) => c.json({ status: "ok" }));
app.route("/", openapi);
app.route("/v1", v1);
app.route("/admin/v1", admin);
app.route("/admin/dashboard", dashboard);

app.notFound((c) =>
  new ApiError(404, `No route for ${c.req.method} ${new URL(c.req.url).pathname}.`, "not_found_error", "unknown_route").toResponse(),
);

// Every failure leaves in the OpenAI error shape; unexpected ones are logged
// (without request bodies or secrets) and reported as a plain 500.
app.onError((err, c) => asApiError(err, c.req.raw).toResponse());
