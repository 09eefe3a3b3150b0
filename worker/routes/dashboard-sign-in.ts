import { Hono } from "hono";
import { setCookie } from "hono/cookie";
import type { AppEnv } from "../app-env";
import { findAdminToken, requireAdminTokens } from "../auth/admin-tokens";
import { DASHBOARD_COOKIE } from "../dashboard/auth";
import { SESSION_TTL_S, createSession } from "../dashboard/session";
import { formToken } from "../dashboard/sign-in-form";
import { signInPage } from "../dashboard/SignIn";
import { unauthorized } from "../http/errors";

/** The dashboard's public door: a form that trades an admin token for a session cookie. */
export const dashboardSignIn = new Hono<AppEnv>();

// The form may post only to itself; its one script reads the fragment.
const CSP = "default-src 'none'; style-src 'unsafe-inline'; script-src 'unsafe-inline'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'";
dashboardSignIn.use(async (c, next) => {
  await next();
  c.res.headers.set("cache-control", "no-store");
  c.res.headers.set("content-security-policy", CSP);
  c.res.headers.set("referrer-policy", "no-referrer");
});

dashboardSignIn.get("/", (c) => c.html(signInPage()));

dashboardSignIn.post("/", async (c) => {
  const tokens = requireAdminTokens(c.env);
  const given = await formToken(c.req.raw);
  const token = given ? await findAdminToken(given, tokens) : null;
  if (!token) throw unauthorized("Invalid admin token: post the form field token=<admin token> (application/x-www-form-urlencoded).");
  setCookie(c, DASHBOARD_COOKIE, await createSession(token, Date.now()), {
    httpOnly: true,
    secure: new URL(c.req.url).protocol === "https:",
    sameSite: "Strict",
    path: "/admin/dashboard",
    maxAge: SESSION_TTL_S,
  });
  return c.redirect("/admin/dashboard", 303);
});
