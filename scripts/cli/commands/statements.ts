// `meridian statements <tenant> <month> [--csv]`: a tenant's month-end
// statement, whose lines add up to its usage ledger for the month.
import { emit, UsageError, type Command } from "../command";
import type { StatementLine } from "../../../worker/billing/statement";
import { count, table } from "../format";

type StatementBody = {
  tenant_id: string;
  month: string;
  lines: StatementLine[];
  total_nanos: number;
  ledger_nanos: number;
  amount_due_nanos: number;
  agreement: { committed_nanos: number; used_nanos: number; remaining_nanos: number; shortfall_nanos: number } | null;
  credits_added_nanos: number;
};

/** Dollars to the nano-dollar: a statement is exact. */
const dollars = (nanos: number) => `${nanos < 0 ? "-" : ""}$${(Math.abs(nanos) / 1e9).toFixed(9)}`;

const statements: Command = {
  words: ["statements"],
  args: ["tenant", "month"],
  options: { csv: { type: "boolean", help: "print the statement as CSV (spreadsheet-safe)" } },
  summary: "show a tenant's month-end statement (YYYY-MM): usage by model, refunds, the agreement, the total",
  async run(ctx) {
    const { tenant, month } = ctx.args as { tenant: string; month: string };
    if (!/^\d{4}-(0[1-9]|1[0-2])$/.test(month)) throw new UsageError(`<month> must be a month as YYYY-MM, got '${month}'`);
    const path = `/tenants/${encodeURIComponent(tenant)}/statements/${month}`;
    if (ctx.options.csv === true) {
      const csv = await ctx.admin().call<string>("GET", `${path}?format=csv`);
      ctx.out.print(String(csv).trimEnd());
      return;
    }
    const s = await ctx.admin().call<StatementBody>("GET", path);
    emit(ctx, s, () => {
      const lines = [
        `${s.tenant_id}: statement for ${s.month}`,
        table(s.lines, [
          { title: "KIND", value: (l) => l.kind },
          { title: "MODEL", value: (l) => l.model },
          { title: "REQUEST", value: (l) => l.request_id ?? "" },
          { title: "REQUESTS", value: (l) => count(l.requests), align: "right" },
          { title: "WAIVED", value: (l) => (l.waivers ? `${count(l.waivers)} (${dollars(l.waived_nanos)})` : ""), align: "right" },
          { title: "AMOUNT", value: (l) => dollars(l.amount_nanos), align: "right" },
        ]),
        "",
        `total        ${dollars(s.total_nanos)}${s.total_nanos === s.ledger_nanos ? "" : `  (ledger ${dollars(s.ledger_nanos)})`}`,
      ];
      if (s.agreement) lines.push(`committed    ${dollars(s.agreement.committed_nanos)}, used ${dollars(s.agreement.used_nanos)}, shortfall ${dollars(s.agreement.shortfall_nanos)}`);
      lines.push(`amount due   ${dollars(s.amount_due_nanos)}`);
      if (s.credits_added_nanos) lines.push(`credits added ${dollars(s.credits_added_nanos)}`);
      return lines.join("\n");
    });
  },
};

export const STATEMENT_COMMANDS: readonly Command[] = [statements];
