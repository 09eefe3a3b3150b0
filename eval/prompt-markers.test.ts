// Do the fingerprint's markers separate the prompt classes? Per class of the
// labelled prompts (data/prompts/classes.jsonl), each marker's mean, set against
// every other class. Uses the TypeScript reference, which the worker tests hold
// bit-identical to the wasm. Rates are per token where prompt length would
// otherwise decide (summarisation prompts carry 120-400 words of text).

import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import type { PromptMarkers } from "../worker/cache/fingerprint";
import { fingerprintReference, loadTable } from "../wasm/reference/embedding-reference";

const root = new URL("..", import.meta.url);
const table = loadTable(readFileSync(new URL("wasm/embeddings.bin", root)));
const rows = readFileSync(new URL("data/prompts/classes.jsonl", root), "utf8")
  .split("\n")
  .filter((line) => line.trim() !== "")
  .map((line) => JSON.parse(line) as { class: string; prompt: string });

interface ClassTotals {
  prompts: number;
  tokens: number;
  sums: PromptMarkers;
}

const totals = new Map<string, ClassTotals>();
for (const { class: label, prompt } of rows) {
  const f = fingerprintReference(prompt, table);
  let t = totals.get(label);
  if (!t) totals.set(label, (t = { prompts: 0, tokens: 0, sums: { code: 0, math: 0, structured: 0, summary: 0, nonAscii: 0, lines: 0 } }));
  t.prompts++;
  t.tokens += f.tokens;
  for (const key of Object.keys(t.sums) as (keyof PromptMarkers)[]) t.sums[key] += f.markers[key];
}

const perPrompt = (t: ClassTotals, key: keyof PromptMarkers) => t.sums[key] / t.prompts;
const perToken = (t: ClassTotals, key: keyof PromptMarkers) => t.sums[key] / t.tokens;

/** The smallest ratio of the class's measure to any other class's. */
function margin(label: string, measure: (t: ClassTotals) => number): number {
  const own = measure(totals.get(label)!);
  let ratio = Infinity;
  for (const [other, t] of totals) if (other !== label) ratio = Math.min(ratio, own / measure(t));
  return ratio;
}

describe("markers separate the labelled prompt classes", () => {
  it("reads all six classes", () => {
    expect([...totals.keys()].sort()).toEqual(["chat", "coding", "extraction", "math", "other", "summarization"]);
    for (const t of totals.values()) expect(t.prompts).toBeGreaterThanOrEqual(50);
  });

  it("coding prompts carry code evidence several times any other class's, per prompt and per token", () => {
    expect(margin("coding", (t) => perToken(t, "code"))).toBeGreaterThan(5);
    expect(margin("coding", (t) => perPrompt(t, "code"))).toBeGreaterThan(2.5); // summaries: long texts, some ';'
  });

  it("maths prompts have the most numbers, operators and maths words per token", () => {
    expect(margin("math", (t) => perToken(t, "math"))).toBeGreaterThan(2);
  });

  it("extraction prompts have the most structured-output words", () => {
    expect(margin("extraction", (t) => perToken(t, "structured"))).toBeGreaterThan(2);
    expect(margin("extraction", (t) => perPrompt(t, "structured"))).toBeGreaterThan(2);
  });

  it("summarisation prompts ask for a summary, and are long", () => {
    expect(margin("summarization", (t) => perPrompt(t, "summary"))).toBeGreaterThan(10);
    expect(margin("summarization", (t) => perPrompt(t, "lines"))).toBeGreaterThan(3);
  });
});
