import { describe, expect, it } from "vitest";
import { brief, count, fields, table, usd, when } from "./format";

describe("table", () => {
  it("pads columns to the widest cell, right-aligns numbers and trims line ends", () => {
    const rows = [
      { id: "a", n: 5, note: "" },
      { id: "longer", n: 1234, note: "x" },
    ];
    const text = table(rows, [
      { title: "ID", value: (r) => r.id },
      { title: "N", value: (r) => String(r.n), align: "right" },
      { title: "NOTE", value: (r) => r.note },
    ]);
    expect(text.split("\n")).toEqual(["ID         N  NOTE", "a          5", "longer  1234  x"]);
  });

  it("says (none) for no rows", () => {
    expect(table([], [{ title: "ID", value: (r: { id: string }) => r.id }])).toBe("(none)");
  });
});

describe("value formats", () => {
  it("prints times in UTC to the second, and - for none", () => {
    expect(when(Date.UTC(2026, 10, 27, 3, 16, 29, 512))).toBe("2026-11-27 03:16:29Z");
    expect(when(null)).toBe("-");
    expect(when(0)).toBe("-");
  });

  it("groups thousands without a locale", () => {
    expect(count(0)).toBe("0");
    expect(count(999)).toBe("999");
    expect(count(1234567)).toBe("1,234,567");
    expect(count(-1234.5)).toBe("-1,234.5");
  });

  it("shows money in cents, and fractions of a cent to six places", () => {
    expect(usd(0)).toBe("$0.00");
    expect(usd(12.5)).toBe("$12.50");
    expect(usd(1234.567)).toBe("$1,234.57");
    expect(usd(0.000123)).toBe("$0.000123");
    expect(usd(-5)).toBe("-$5.00");
  });

  it("cuts long values with an ellipsis", () => {
    expect(brief({ a: 1 })).toBe('{"a":1}');
    expect(brief("abcdef", 4)).toBe("abc…");
  });

  it("lists a record's fields aligned, formatting dates, money and lists by their names", () => {
    const text = fields({ id: "acme", models: ["a", "b"], created_at: Date.UTC(2026, 0, 2), balance_usd: 7.5, budget: null, requests: 12000, hidden: undefined });
    expect(text.split("\n")).toEqual([
      "id           acme",
      "models       a, b",
      "created_at   2026-01-02 00:00:00Z",
      "balance_usd  $7.50",
      "budget       -",
      "requests     12,000",
    ]);
  });
});
