// The dashboard's gate. A browser cannot send a bearer header when it
// navigates, so it signs in once through a form (worker/routes/dashboard-sign-in.ts)
// and then carries a signed, short-lived session cookie (./session.ts) that
// never holds the token itself. The bearer header still works for tools.
// A token in the URL is refused: URLs end up in request logs and history.
import type { MiddlewareHandler } from "hono";
import { getCookie } from "hono/cookie";
import type { AppEnv } from "../app-env";
import { matchAdminToken, requireAdminTokens } from "../auth/admin-tokens";
import { bearerToken } from "../auth/crypto";
import { ApiError, unauthorized } from "../http/errors";
import { verifySession } from "./session";

export const DASHBOARD_COOKIE = "meridian_admin";
export const SIGN_IN_PATH = "/admin/dashboard/sign-in";

export const dashboardAuth: MiddlewareHandler<AppEnv> = async (c, next) => {
  const tokens = requireAdminTokens(c.env);
  if (new URL(c.req.url).searchParams.has("token")) {
    throw new ApiError(
      400,
      `The admin token is not accepted in a URL (request logs keep URLs): sign in at ${SIGN_IN_PATH}, or open ${SIGN_IN_PATH}#token=<admin token>.`,
      "invalid_request_error",
      "token_in_url",
    );
  }
  const bearer = bearerToken(c.req.header("authorization"));
  const session = getCookie(c, DASHBOARD_COOKIE);
  const label = bearer !== null ? await matchAdminToken(bearer, tokens) : session ? await verifySession(session, tokens, Date.now()) : null;
  if (!label) throw unauthorized(`Invalid admin token or expired session: sign in at ${SIGN_IN_PATH}.`);
  c.set("adminLabel", label);
  await next();
};
