import { Hono } from "hono";
import type { AppEnv } from "../app-env";
import { dashboardAuth } from "../dashboard/auth";
import { dashboardData } from "../dashboard/data";
import { dashboardPage } from "../dashboard/render";
import { dashboardSignIn } from "./dashboard-sign-in";

/** The operator dashboard (HTML) and the data behind it (JSON), behind the admin token. */
export const dashboard = new Hono<AppEnv>();

// The sign-in form is the one page without the gate: registered first, it answers before dashboardAuth runs.
dashboard.route("/sign-in", dashboardSignIn);
dashboard.use(dashboardAuth);
// Operator data: never cached, never framed, and the page may only talk to its own origin.
const CSP = "default-src 'none'; style-src 'unsafe-inline'; script-src 'unsafe-inline'; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'";
dashboard.use(async (c, next) => {
  await next();
  c.res.headers.set("cache-control", "no-store");
  c.res.headers.set("content-security-policy", CSP);
});

dashboard.get("/", async (c) => c.html(dashboardPage(await dashboardData(c.env, (p) => c.executionCtx.waitUntil(p)))));
dashboard.get("/data", async (c) => c.json({ object: "dashboard", ...(await dashboardData(c.env, (p) => c.executionCtx.waitUntil(p))) }));
