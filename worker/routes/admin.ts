import { Hono } from "hono";
import type { AppEnv } from "../app-env";
import { matchAdminToken, requireAdminTokens } from "../auth/admin-tokens";
import { bearerToken } from "../auth/crypto";
import { unauthorized } from "../http/errors";
import { billing } from "./admin/billing";
import { isolate } from "./admin/isolate";
import { origins } from "./admin/origins";
import { rules } from "./admin/rules";
import { statements } from "./admin/statements";
import { tenants } from "./admin/tenants";
import { regions } from "./regions";

/** The operator's API: origins, tenants, keys, rules. Behind the admin token. */
export const admin = new Hono<AppEnv>();

admin.use(async (c, next) => {
  const tokens = requireAdminTokens(c.env);
  const token = bearerToken(c.req.header("authorization"));
  const label = token ? await matchAdminToken(token, tokens) : null;
  if (!label) throw unauthorized("Invalid admin token.");
  c.set("adminLabel", label);
  await next();
});

admin.route("/", regions);
admin.route("/", origins);
admin.route("/", tenants);
admin.route("/", rules);
admin.route("/", billing);
admin.route("/", statements);
admin.route("/", isolate);
