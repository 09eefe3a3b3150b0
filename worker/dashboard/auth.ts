// The dashboard's gate. A browser cannot send a bearer header when it
// navigates, so the admin token is accepted once as `?token=`, kept in an
// HttpOnly cookie, and the URL is redirected to drop it (so it does not stay
// in history or get shared in a screenshot). The bearer header still works for tools.
import type { MiddlewareHandler } from "hono";
import { getCookie, setCookie } from "hono/cookie";
import type { AppEnv } from "../app-env";
import { adminTokens, matchAdminToken } from "../auth/admin-tokens";
import { bearerToken } from "../auth/crypto";
import { ApiError, unauthorized } from "../http/errors";

export const DASHBOARD_COOKIE = "meridian_admin";
/** The cookie lasts a working day; after that, open the `?token=` link again. */
const COOKIE_MAX_AGE_S = 12 * 3600;

export const dashboardAuth: MiddlewareHandler<AppEnv> = async (c, next) => {
  const tokens = adminTokens(c.env);
  if (tokens.length === 0) throw new ApiError(503, "The admin API is disabled: set the ADMIN_TOKEN secret.", "api_error", "admin_disabled");

  const url = new URL(c.req.url);
  const fromQuery = url.searchParams.get("token");
  if (fromQuery !== null) {
    if (!(await matchAdminToken(fromQuery, tokens))) throw unauthorized("Invalid admin token.");
    setCookie(c, DASHBOARD_COOKIE, fromQuery, {
      httpOnly: true,
      secure: url.protocol === "https:",
      sameSite: "Strict",
      path: "/admin/dashboard",
      maxAge: COOKIE_MAX_AGE_S,
    });
    url.searchParams.delete("token");
    return c.redirect(url.pathname + url.search, 303);
  }

  const given = bearerToken(c.req.header("authorization")) ?? getCookie(c, DASHBOARD_COOKIE);
  const label = given ? await matchAdminToken(given, tokens) : null;
  if (!label) throw unauthorized("Invalid admin token: open /admin/dashboard?token=<admin token> once to sign in.");
  c.set("adminLabel", label);
  await next();
};
