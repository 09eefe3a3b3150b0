// `meridian usage` and `meridian credits add`: what a tenant used and spent,
// and prepaid credit top-ups (or corrections).
import { emit, stringOption, UsageError, type Command, type Context } from "../command";
import type { UsageReport, UsageRow } from "../../../worker/billing/account";
import { count, fields, table, usd } from "../format";
import type { CachePrecisionReport } from "../../../worker/cache/precision-report";
import { cachePrecisionLine } from "./cache-precision";

/** The read-out as the admin API sends it (the worker's own type, plus the tenant id). */
type UsageReadout = Omit<UsageReport, "totals" | "account"> & { tenant_id: string; totals?: Partial<UsageRow> & { refunded_usd?: number }; account?: Record<string, unknown>; cache_precision?: CachePrecisionReport };

const tenantPath = (tenant: string) => `/tenants/${encodeURIComponent(tenant)}`;

function day(ctx: Context, name: string): string | undefined {
  const value = stringOption(ctx, name);
  if (value !== undefined && !/^\d{4}-\d{2}-\d{2}$/.test(value)) throw new UsageError(`--${name} must be a date as YYYY-MM-DD, got '${value}'`);
  return value;
}

const n = (v: number | undefined) => count(v ?? 0);
const money = (v: number | undefined) => usd(v ?? 0);

const usage: Command = {
  words: ["usage"],
  args: ["tenant"],
  options: {
    from: { type: "string", value: "YYYY-MM-DD", help: "first day, UTC (default: the first of this month)" },
    to: { type: "string", value: "YYYY-MM-DD", help: "last day, UTC, inclusive (default: today)" },
    model: { type: "string", value: "model", help: "only this model" },
    key: { type: "string", value: "key-id", help: "only this API key" },
  },
  summary: "show a tenant's usage by day and model: requests, tokens, cost, cache hits and what they saved, outcome waivers, batch spend, refunds",
  async run(ctx) {
    const query = new URLSearchParams();
    const set = (param: string, value: string | undefined) => value !== undefined && query.set(param, value);
    set("from", day(ctx, "from"));
    set("to", day(ctx, "to"));
    set("model", stringOption(ctx, "model"));
    set("key_id", stringOption(ctx, "key"));
    const qs = query.toString();
    const report = await ctx.admin().call<UsageReadout>("GET", `${tenantPath(ctx.args.tenant!)}/usage${qs ? `?${qs}` : ""}`);
    emit(ctx, report, () => {
      const rows: Partial<UsageRow>[] = report.totals ? [...report.data, { date: "total", model: "", ...report.totals }] : report.data;
      const lines = [
        `${report.tenant_id}: usage from ${report.from} to ${report.to}`,
        table(rows, [
          { title: "DATE", value: (r) => r.date ?? "" },
          { title: "MODEL", value: (r) => r.model ?? "" },
          { title: "REQUESTS", value: (r) => n(r.requests), align: "right" },
          { title: "INPUT", value: (r) => n(r.input_tokens), align: "right" },
          { title: "OUTPUT", value: (r) => n(r.output_tokens), align: "right" },
          { title: "COST", value: (r) => money(r.cost_usd), align: "right" },
          { title: "CACHE HITS", value: (r) => n(r.cache_hits), align: "right" },
          { title: "SAVED", value: (r) => money(r.saved_usd), align: "right" },
          { title: "WAIVED", value: (r) => money(r.waived_usd), align: "right" },
          { title: "BATCH", value: (r) => money(r.batch_usd), align: "right" },
        ]),
      ];
      const refunds = report.refunds ?? [];
      if (refunds.length > 0) lines.push("", `refunded ${usd(report.totals?.refunded_usd ?? 0)} for ${count(refunds.length)} call(s) rated down`);
      if (report.account) lines.push("", fields(report.account));
      const precision = cachePrecisionLine(report.cache_precision);
      if (precision) lines.push("", precision);
      return lines.join("\n");
    });
  },
};

const creditsAdd: Command = {
  words: ["credits", "add"],
  args: ["tenant", "usd"],
  options: { note: { type: "string", value: "text", help: "why, kept in the audit log (e.g. an invoice number)" } },
  summary: "add prepaid credits in USD (a negative amount corrects: meridian credits add acme -- -5)",
  async run(ctx) {
    const tenant = ctx.args.tenant!;
    const amount = Number(ctx.args.usd);
    if (!/^-?\d+(\.\d+)?$/.test(ctx.args.usd!) || amount === 0) throw new UsageError(`<usd> must be a non-zero amount such as 25 or 12.50, got '${ctx.args.usd}'`);
    const note = stringOption(ctx, "note");
    const entry = await ctx.admin().call<{ balance_usd?: number }>("POST", `${tenantPath(tenant)}/credits`, { amount_usd: amount, ...(note ? { note } : {}) });
    const balance = typeof entry.balance_usd === "number" ? `; balance ${usd(entry.balance_usd)}` : "";
    emit(ctx, entry, () => `${tenant}: ${amount > 0 ? "added" : "deducted"} ${usd(Math.abs(amount))} of credits${balance}`);
  },
};

export const MONEY_COMMANDS: readonly Command[] = [usage, creditsAdd];
