import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { parsePairsJsonl, parseStsb, stsbLabel } from "./lib/pairs";

describe("parsePairsJsonl", () => {
  it("reads pairs, defaults the kind, and reports bad lines by number", () => {
    const text = [
      '{"a":"x","b":"y","duplicate":true,"kind":"paraphrase"}',
      "",
      "# a comment",
      '{"a":"x","b":"z","duplicate":false}',
      "not json",
      '{"a":"x","duplicate":false}',
      '{"a":"x","b":"y","duplicate":"yes"}',
      "[1,2]",
    ].join("\n");
    const { pairs, errors } = parsePairsJsonl(text);
    expect(pairs).toEqual([
      { a: "x", b: "y", duplicate: true, kind: "paraphrase" },
      { a: "x", b: "z", duplicate: false, kind: "" },
    ]);
    expect(errors.map((e) => e.split(":")[0])).toEqual(["line 5", "line 6", "line 7", "line 8"]);
  });
});

describe("STS-B", () => {
  it("labels gold scores: ≥ 4 duplicate, ≤ 3 different, the rest ambiguous", () => {
    expect(stsbLabel(5)).toBe(true);
    expect(stsbLabel(4)).toBe(true);
    expect(stsbLabel(3.8)).toBeNull();
    expect(stsbLabel(3)).toBe(false);
    expect(stsbLabel(0)).toBe(false);
    expect(stsbLabel(NaN)).toBeNull();
    expect(stsbLabel(7)).toBeNull();
  });

  it("parses defensively: extra fields, CRLF, short lines, bad scores, empty sentences", () => {
    const text = [
      "main-captions\tMSRvid\t2012test\t0000\t5.000\tA man is dancing.\tA man dances.",
      "main-news\theadlines\t2016\t0012\t4\tDriver backs into stroller\tDriver hits stroller\tsource one\tsource two\r",
      "main-forums\tanswers\t2015\t0001\t3.5\tsomething\tsomething else",
      "main-forums\tanswers\t2015\t0002\t0.4\tcats\tdogs",
      "main-news\theadlines\t2016\t0013\tn/a\tx\ty",
      "too\tfew\tfields",
      "main-news\theadlines\t2016\t0014\t2\t\ty",
      "",
    ].join("\n");
    const { pairs, errors, ambiguous } = parseStsb(text);
    expect(pairs).toEqual([
      { a: "A man is dancing.", b: "A man dances.", duplicate: true, kind: "main-captions", id: "main-captions:MSRvid:2012test:0000" },
      { a: "Driver backs into stroller", b: "Driver hits stroller", duplicate: true, kind: "main-news", id: "main-news:headlines:2016:0012" },
      { a: "cats", b: "dogs", duplicate: false, kind: "main-forums", id: "main-forums:answers:2015:0002" },
    ]);
    expect(ambiguous).toBe(1);
    expect(errors.map((e) => e.split(":")[0])).toEqual(["line 5", "line 6", "line 7"]);
  });
});

describe("the shared paraphrase sets' format", () => {
  it("reads source as the kind and split:id as the id", () => {
    const text = [
      JSON.stringify({ a: "x", b: "y", duplicate: true, source: "paws-wiki", split: "dev", id: "1" }),
      JSON.stringify({ a: "x", b: "z", duplicate: false, source: "qqp", id: 290564 }),
      JSON.stringify({ a: "x", b: "w", duplicate: false, kind: "number", id: { __proto__: 1 } }),
    ].join("\n");
    expect(parsePairsJsonl(text).pairs).toEqual([
      { a: "x", b: "y", duplicate: true, kind: "paws-wiki", id: "dev:1" },
      { a: "x", b: "z", duplicate: false, kind: "qqp", id: "290564" },
      { a: "x", b: "w", duplicate: false, kind: "number" },
    ]);
  });
});

describe("eval/cache-pairs.jsonl", () => {
  const { pairs, errors } = parsePairsJsonl(readFileSync(new URL("./cache-pairs.jsonl", import.meta.url), "utf8"));
  const negativeKinds = ["number", "entity", "negation", "rare_word", "language", "code", "intent", "unrelated"];

  it("is well formed, large enough and balanced", () => {
    expect(errors).toEqual([]);
    expect(pairs.length).toBeGreaterThanOrEqual(400);
    const dupShare = pairs.filter((p) => p.duplicate).length / pairs.length;
    expect(dupShare).toBeGreaterThan(0.35);
    expect(dupShare).toBeLessThan(0.55);
  });

  it("labels every non-duplicate with a known kind, and covers every kind", () => {
    const seen = new Set<string>();
    for (const p of pairs) {
      expect(p.kind, `${p.a} / ${p.b}`).not.toBe("");
      if (!p.duplicate) {
        expect(negativeKinds, p.kind).toContain(p.kind);
        seen.add(p.kind);
      }
    }
    expect([...seen].sort()).toEqual([...negativeKinds].sort());
  });

  it("has no repeated or identical pairs", () => {
    const keys = pairs.map((p) => `${p.a}\u0000${p.b}`);
    expect(new Set(keys).size).toBe(keys.length);
    for (const p of pairs) expect(p.a).not.toBe(p.b);
  });

  it("keeps the same numbers on both sides of every duplicate", () => {
    const numbers = (s: string) => [...new Set(s.match(/\d+(?:[.,]\d+)*/g) ?? [])].sort();
    for (const p of pairs.filter((q) => q.duplicate)) expect(numbers(p.b), `${p.a} / ${p.b}`).toEqual(numbers(p.a));
  });
});
