// A month-end statement: its shape, and its CSV. Pure.
//
// The CSV is safe to open in a spreadsheet: a cell that starts with = + - @,
// a tab or a carriage return is prefixed with a quote so it is text, not a
// formula (model names and request ids are client text); every text cell is
// quoted. Amounts are integer nano-dollars (and dollars to the nano).
import type { AgreementStatus } from "./agreement";
import { nanosToUsd } from "./pricing";

export interface StatementLine {
  kind: "usage" | "refund";
  model: string;
  /** A refund's day; null for usage lines (the whole month). */
  date: string | null;
  /** The refunded request; null for usage lines. */
  request_id: string | null;
  requests: number;
  input_tokens: number;
  output_tokens: number;
  cache_hits: number;
  /** Answers an outcome rule did not charge. */
  waivers: number;
  /** What the line adds to the month: charges, or a refund (negative). */
  amount_nanos: number;
  cache_saved_nanos: number;
  waived_nanos: number;
  /** With an agreement, usage lines split `amount_nanos`: charged at the discount within the commitment, and the rest (overage). */
  within_commitment_nanos?: number;
  overage_nanos?: number;
}

export interface Statement {
  tenant_id: string;
  month: string;
  lines: StatementLine[];
  /** The lines' sum... */
  total_nanos: number;
  /** ...and the ledger's own total for the month: always equal. */
  ledger_nanos: number;
  agreement: AgreementStatus | null;
  /** The total plus what the month falls short of an agreement's commitment. */
  amount_due_nanos: number;
  /** Prepaid credits added in the month (payments, not part of the lines). */
  credits_added_nanos: number;
  credit_entries: number;
}

/** The JSON body: nano-dollars, with dollars beside them for people. */
export function statementJson(s: Statement): Record<string, unknown> {
  return {
    object: "statement",
    ...s,
    lines: s.lines.map((l) => ({ ...l, amount_usd: nanosToUsd(l.amount_nanos) })),
    total_usd: nanosToUsd(s.total_nanos),
    amount_due_usd: nanosToUsd(s.amount_due_nanos),
  };
}

const COLUMNS = ["kind", "model", "date", "request_id", "requests", "input_tokens", "output_tokens", "cache_hits", "waivers", "amount_nanos", "cache_saved_nanos", "waived_nanos", "within_commitment_nanos", "overage_nanos"] as const;

export function statementCsv(s: Statement): string {
  const rows: string[] = [COLUMNS.join(",")];
  for (const line of s.lines) rows.push(COLUMNS.map((c) => cell(line[c])).join(","));
  const amountAt = COLUMNS.indexOf("amount_nanos");
  const summary = (label: string, nanos: number) => [cell(label), ...Array<string>(amountAt - 1).fill(""), String(nanos), ...Array<string>(COLUMNS.length - amountAt - 1).fill("")].join(",");
  rows.push(summary("total", s.total_nanos));
  if (s.agreement) rows.push(summary("commitment_shortfall", s.agreement.shortfall_nanos));
  rows.push(summary("amount_due", s.amount_due_nanos));
  return rows.join("\r\n") + "\r\n";
}

function cell(value: string | number | null | undefined): string {
  if (value === null || value === undefined) return "";
  if (typeof value === "number") return String(value);
  const text = /^[=+\-@\t\r]/.test(value) ? `'${value}` : value;
  return `"${text.replaceAll('"', '""')}"`;
}
