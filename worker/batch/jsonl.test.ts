import { describe, expect, it } from "vitest";
import { parseBatchFile } from "./jsonl";

const line = (customId: unknown, extra: Record<string, unknown> = {}) =>
  JSON.stringify({ custom_id: customId, method: "POST", url: "/v1/chat/completions", body: { model: "m", messages: [] }, ...extra });

describe("parseBatchFile", () => {
  it("reads every line, skipping blank ones and CRLF endings", () => {
    const r = parseBatchFile(`${line("a")}\r\n\n${line("b")}\n`, 10);
    expect(r.ok && r.lines.map((l) => l.custom_id)).toEqual(["a", "b"]);
  });

  it("names the first bad line", () => {
    expect(parseBatchFile(`${line("a")}\n{not json`, 10)).toEqual({ ok: false, line: 2, message: "Line is not valid JSON." });
    expect(parseBatchFile(`[1,2]`, 10)).toMatchObject({ ok: false, line: 1, message: "Line must be a JSON object." });
    expect(parseBatchFile(line("a", { method: "GET" }), 10)).toMatchObject({ ok: false, message: "method must be POST." });
    expect(parseBatchFile(line("a", { url: "/v1/responses" }), 10)).toMatchObject({ ok: false, line: 1 });
    expect(parseBatchFile(line("a", { body: "x" }), 10)).toMatchObject({ ok: false, message: "body must be a JSON object." });
    expect(parseBatchFile(line("a", { body: { stream: true } }), 10)).toMatchObject({ ok: false });
    expect(parseBatchFile("", 10)).toMatchObject({ ok: false, message: "The file has no requests." });
  });

  it("refuses a duplicate custom_id", () => {
    expect(parseBatchFile(`${line("a")}\n${line("b")}\n${line("a")}`, 10)).toMatchObject({ ok: false, line: 3 });
  });

  it("refuses control characters (CR/LF) in custom_id, and non-strings", () => {
    expect(parseBatchFile(line("a\r\nx-injected: 1"), 10)).toMatchObject({ ok: false, line: 1 });
    expect(parseBatchFile(line(7), 10)).toMatchObject({ ok: false, message: "custom_id must be a non-empty string." });
    expect(parseBatchFile(line(""), 10)).toMatchObject({ ok: false });
    expect(parseBatchFile(line("x".repeat(513)), 10)).toMatchObject({ ok: false });
  });

  it("takes prototype names as plain ids, and reads only own fields", () => {
    const r = parseBatchFile(`${line("__proto__")}\n${line("constructor")}\n${line("toString")}`, 10);
    expect(r.ok && r.lines.map((l) => l.custom_id)).toEqual(["__proto__", "constructor", "toString"]);
    // A `__proto__` key in JSON is an own property after JSON.parse; method inherited from it must not count.
    expect(parseBatchFile(`{"custom_id":"a","__proto__":{"method":"POST"},"url":"/v1/chat/completions","body":{}}`, 10)).toMatchObject({ ok: false, message: "method must be POST." });
  });

  it("stops at the line limit", () => {
    expect(parseBatchFile([line("a"), line("b"), line("c")].join("\n"), 2)).toMatchObject({ ok: false, line: 3 });
  });

  it("takes embeddings lines", () => {
    const r = parseBatchFile(line("e", { url: "/v1/embeddings", body: { model: "m", input: "x" } }), 10);
    expect(r.ok && r.lines[0]!.url).toBe("/v1/embeddings");
  });
});
