// `GET /admin/v1/tenants/:id/statements/:month`: a month-end statement, JSON
// or CSV (`Accept: text/csv` or `?format=csv`), whose lines add up exactly to
// the tenant's usage ledger for that month (worker/billing/statement.ts).
import { Hono } from "hono";
import type { AppEnv } from "../../app-env";
import { statementCsv, statementJson } from "../../billing/statement";
import { notFound } from "../../http/errors";
import { tenantObject } from "../../objects/stubs";
import { statementMonth, statementQuery } from "../../schemas/billing";
import { parseOrThrow } from "../../schemas/validate";
import { param } from "./shared";

export const statements = new Hono<AppEnv>();

statements.get("/tenants/:id/statements/:month", async (c) => {
  const id = param(c.req.param("id"), "tenant id");
  const month = parseOrThrow(statementMonth, c.req.param("month"), "month");
  const { format } = parseOrThrow(statementQuery, c.req.query(), "query");
  const statement = await tenantObject(c.env, id).statement(month);
  if (!statement) throw notFound(`No tenant '${id}'.`, "tenant_not_found");
  const csv = format === "csv" || (format === undefined && /\btext\/csv\b/i.test(c.req.header("accept") ?? ""));
  if (!csv) return c.json(statementJson(statement));
  return new Response(statementCsv(statement), {
    headers: { "content-type": "text/csv; charset=utf-8", "content-disposition": `attachment; filename="statement-${id}-${month}.csv"` },
  });
});
