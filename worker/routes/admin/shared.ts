import type { Context } from "hono";
import type { AppEnv } from "../../app-env";
import { readJsonBody } from "../../http/body";
import { badRequest } from "../../http/errors";
import { idSchema } from "../../schemas/admin";
import { parseOrThrow } from "../../schemas/validate";
import { settings } from "../../settings";

export type AdminContext = Context<AppEnv>;

export const body = (c: AdminContext) => readJsonBody(c.req.raw, settings(c.env).maxBodyBytes);
export const param = (value: string, what: string) => parseOrThrow(idSchema, value, what);
/** Who is writing, for the audit log. */
export const actor = (c: AdminContext) => c.get("adminLabel");

/** `?limit=` for list read-outs: 1..max, default 50. */
export function limitParam(c: AdminContext, max = 500): number {
  const raw = c.req.query("limit");
  if (raw === undefined) return Math.min(50, max);
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 1 || n > max) throw badRequest(`Query parameter limit must be an integer from 1 to ${max}.`, "invalid_query", "limit");
  return n;
}

/** `?before=` for paging backwards through sequence numbers. */
export function beforeParam(c: AdminContext): number | undefined {
  const raw = c.req.query("before");
  if (raw === undefined) return undefined;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 0) throw badRequest("Query parameter before must be a non-negative integer.", "invalid_query", "before");
  return n;
}
