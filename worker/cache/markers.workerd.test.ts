// Prompt markers from the wasm embedder (the worker's path): what each rule counts,
// on representative prompts, and that every listed keyword is reachable.

import { describe, expect, it } from "vitest";
import tableBytes from "../../wasm/embeddings.bin";
import wasmModule from "../../wasm/fingerprint.wasm";
import { fingerprint } from "./embedder";
import type { PromptMarkers } from "./fingerprint";
import { KEYWORD_SLOTS, KIND_CODE, KIND_MATH, KIND_STRUCTURED, KIND_SUMMARY, MARKER_KEYWORDS, keywordTable } from "./markers";

const markers = (text: string): PromptMarkers => fingerprint(text).markers;
const NONE: PromptMarkers = { code: 0, math: 0, structured: 0, summary: 0, nonAscii: 0, lines: 0 };
const FIELD: Record<number, keyof PromptMarkers> = { [KIND_CODE]: "code", [KIND_MATH]: "math", [KIND_STRUCTURED]: "structured", [KIND_SUMMARY]: "summary" };

describe("markers on representative prompts", () => {
  it("a code prompt is mostly code", () => {
    const m = markers("Why does this throw a TypeError?\n```js\nconst total = items.reduce((a, b) => a + b.price);\nif (total == null) {\n    return 0;\n}\n```");
    // TypeError (camelCase), ``` ``` (6), js const null return (4), => == (2), ; ; { } (4), one indented line
    expect(m.code).toBe(18);
    expect(m.math).toBe(1); // the number 0
    expect(m.lines).toBe(6);
    expect(m.structured + m.summary + m.nonAscii).toBe(0);
  });

  it("a maths prompt is mostly maths", () => {
    expect(markers("Solve for x: 3x + 7 = 25")).toEqual({ ...NONE, math: 6 }); // solve, 3x, +, 7, =, 25
    expect(markers("What is the probability of rolling two sixes?")).toEqual({ ...NONE, math: 1 });
    expect(markers("Evaluate Σ 1/(k(k+1)) for k ≥ 1")).toEqual({ ...NONE, math: 6, nonAscii: 2 }); // 1 / 1 + ≥ 1
  });

  it("extraction and summary requests are counted by their words", () => {
    expect(markers("Extract the name and email as JSON")).toEqual({ ...NONE, structured: 2 });
    expect(markers("Convert this table to CSV with columns Name, Price")).toEqual({ ...NONE, structured: 4 });
    expect(markers("TL;DR please")).toEqual({ ...NONE, summary: 1, code: 1 }); // "tl dr", and the ;
    expect(markers("Summarise the key points of this email:\n\nHi team, ...")).toEqual({ ...NONE, summary: 2, lines: 2 });
  });

  it("plain chat has no markers; other scripts are counted by character", () => {
    expect(markers("hey there! how's your day going?")).toEqual(NONE);
    expect(markers("Who wrote Pride and Prejudice?")).toEqual(NONE);
    expect(markers("Привет, как дела?")).toEqual({ ...NONE, nonAscii: 13 });
    expect(markers("你好世界")).toEqual({ ...NONE, nonAscii: 4 });
    expect(markers("🇫🇷 naïve")).toEqual({ ...NONE, nonAscii: 3 });
  });

  it("counts code punctuation only where it separates, and operators only beside a digit", () => {
    expect(markers("snake_case _x x_ a__b")).toEqual({ ...NONE, code: 1 });
    expect(markers("a -> b, a - b, well-known, COVID-19")).toEqual({ ...NONE, code: 1, math: 2 }); // ->; the '-' of -19 and 19
    expect(markers("x -5 and 10 - 4")).toEqual({ ...NONE, math: 4 }); // -5, 10, 4 and the second '-'
    expect(markers("https://example.com/a")).toEqual(NONE);
    expect(markers("line\n   three spaces\n    four spaces\n\ttab")).toEqual({ ...NONE, code: 2, lines: 3 });
  });

  it("matches keywords case-insensitively, after clitics, and as adjacent pairs", () => {
    expect(markers("PYTHON python Python's")).toEqual({ ...NONE, code: 3 });
    expect(markers("How many? how 3 many")).toEqual({ ...NONE, math: 2 }); // "how many", the number 3
    expect(markers("key points; points key")).toEqual({ ...NONE, summary: 1, code: 1 });
  });
});

describe("the keyword list", () => {
  it("has only lowercase ASCII words, none twice, well under the table's slots", () => {
    const all = Object.values(MARKER_KEYWORDS).flat();
    for (const words of all) for (const w of words) expect(w).toMatch(/^[a-z]+$/);
    expect(new Set(all.map((w) => w.join(" "))).size).toBe(all.length);
    expect(all.length).toBeLessThan(KEYWORD_SLOTS / 4);
    expect(keywordTable().length).toBe(KEYWORD_SLOTS * 2);
  });

  it("every keyword counts once for its marker, in any case", () => {
    for (const [kind, list] of Object.entries(MARKER_KEYWORDS)) {
      const field = FIELD[Number(kind)]!;
      for (const words of list) {
        const text = words.join(" ");
        if (words.length === 1) expect(markers(text), text).toEqual({ ...NONE, [field]: 1 });
        else expect(markers(text)[field], text).toBe(1); // its words may be keywords too ("sum up": sum)
        expect(markers(text.toUpperCase())[field], text).toBe(1);
      }
    }
  });
});

describe("the wasm's keyword table", () => {
  /** init()'s answer for a fresh instance given this keyword table (null: none copied in). */
  function initWith(keywords: Int32Array | null): number {
    const ex = new WebAssembly.Instance(wasmModule, {}).exports as unknown as {
      memory: WebAssembly.Memory;
      allocTable(len: number): number;
      allocKeywords(slots: number): number;
      init(): number;
    };
    const bytes = new Uint8Array(tableBytes);
    new Uint8Array(ex.memory.buffer, ex.allocTable(bytes.length), bytes.length).set(bytes);
    if (keywords) new Int32Array(ex.memory.buffer, ex.allocKeywords(keywords.length / 2), keywords.length).set(keywords);
    return ex.init();
  }

  it("is required, and rejected when an entry names no marker or no slot is empty", () => {
    expect(initWith(keywordTable())).toBe(0);
    expect(initWith(null)).toBe(8);
    const badKind = keywordTable().slice();
    badKind[1] = 5;
    expect(initWith(badKind)).toBe(9);
    expect(initWith(new Int32Array(16).fill(1))).toBe(9); // full: a miss would probe forever
  });
});
