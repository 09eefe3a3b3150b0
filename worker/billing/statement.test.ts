import { describe, expect, it } from "vitest";
import { statementCsv, statementJson, type Statement, type StatementLine } from "./statement";

const line = (more: Partial<StatementLine>): StatementLine => ({
  kind: "usage", model: "m", date: null, request_id: null, requests: 1, input_tokens: 10, output_tokens: 5, cache_hits: 0, waivers: 0, amount_nanos: 20_000_000, cache_saved_nanos: 0, waived_nanos: 0, ...more,
});
const statement = (lines: StatementLine[]): Statement => ({
  tenant_id: "t", month: "2026-11", lines, total_nanos: lines.reduce((s, l) => s + l.amount_nanos, 0), ledger_nanos: lines.reduce((s, l) => s + l.amount_nanos, 0),
  agreement: null, amount_due_nanos: lines.reduce((s, l) => s + l.amount_nanos, 0), credits_added_nanos: 0, credit_entries: 0,
});

describe("statement CSV", () => {
  it("has a line per statement line and totals that add up", () => {
    const csv = statementCsv(statement([line({}), line({ kind: "refund", request_id: "req-1", date: "2026-11-03", amount_nanos: -7 })]));
    const rows = csv.trimEnd().split("\r\n");
    expect(rows).toEqual([
      "kind,model,date,request_id,requests,input_tokens,output_tokens,cache_hits,waivers,amount_nanos,cache_saved_nanos,waived_nanos,within_commitment_nanos,overage_nanos",
      '"usage","m",,,1,10,5,0,0,20000000,0,0,,',
      '"refund","m","2026-11-03","req-1",1,10,5,0,0,-7,0,0,,',
      '"total",,,,,,,,,19999993,,,,',
      '"amount_due",,,,,,,,,19999993,,,,',
    ]);
  });

  it("cannot be turned into formulas, and quotes cannot break out of a cell", () => {
    const hostile = ["=HYPERLINK(\"http://x\")", "+1", "-1+1", "@SUM(A1)", "\tx", "\rx", 'a"b', "a,b\r\nc"];
    const csv = statementCsv(statement(hostile.map((m) => line({ model: m, request_id: m }))));
    for (const row of csv.split("\r\n").slice(1, 1 + 6)) expect(row).not.toMatch(/(^|,)"?[=+\-@\t\r]/);
    expect(csv).toContain('"\'=HYPERLINK(""http://x"")"');
    expect(csv).toContain('"a""b"');
    expect(csv).toContain('"a,b\r\nc"'); // a CR/LF stays inside its quoted cell
  });

  it("JSON carries dollars beside nano-dollars", () => {
    expect(statementJson(statement([line({})]))).toMatchObject({ object: "statement", total_nanos: 20_000_000, total_usd: 0.02, lines: [{ amount_usd: 0.02 }] });
  });
});
