import { Hono } from "hono";
import type { AppEnv } from "../app-env";
import { adminTokens, matchAdminToken } from "../auth/admin-tokens";
import { bearerToken } from "../auth/crypto";
import { ApiError, unauthorized } from "../http/errors";
import { billing } from "./admin/billing";
import { isolate } from "./admin/isolate";
import { origins } from "./admin/origins";
import { rules } from "./admin/rules";
import { tenants } from "./admin/tenants";
import { regions } from "./regions";

/** The operator's API: origins, tenants, keys, rules. Behind the admin token. */
export const admin = new Hono<AppEnv>();

admin.use(async (c, next) => {
  const tokens = adminTokens(c.env);
  if (tokens.length === 0) throw new ApiError(503, "The admin API is disabled: set the ADMIN_TOKEN secret.", "api_error", "admin_disabled");
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
admin.route("/", isolate);
