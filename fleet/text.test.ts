import { describe, expect, it } from "vitest";
import { embed } from "./embeddings";
import { ALL_PIECES, MAX_COMPLETION_TOKENS, MIN_COMPLETION_TOKENS, countTokens, generateCompletion, poorCompletion, seedFor } from "./text";

describe("generateCompletion", () => {
  it("is deterministic in (model, prompt)", () => {
    const a = generateCompletion("llama-8b", "Tell me about rivers.");
    expect(generateCompletion("llama-8b", "Tell me about rivers.")).toEqual(a);
    expect(generateCompletion("llama-8b", "Tell me about lakes.").pieces).not.toEqual(a.pieces);
    expect(generateCompletion("llama-1.5b", "Tell me about rivers.").pieces).not.toEqual(a.pieces);
    expect(seedFor("ab", "c")).not.toBe(seedFor("a", "bc"));
  });

  it("natural lengths span the configured range and end a sentence", () => {
    const lengths = new Set<number>();
    for (let i = 0; i < 2000; i++) {
      const c = generateCompletion("llama-8b", `prompt ${i}`);
      expect(c.finishReason).toBe("stop");
      expect(c.pieces.length).toBeGreaterThanOrEqual(MIN_COMPLETION_TOKENS);
      expect(c.pieces.length).toBeLessThanOrEqual(MAX_COMPLETION_TOKENS);
      expect(c.pieces[c.pieces.length - 1]).toBe(".");
      const text = c.pieces.join("");
      expect(text).not.toMatch(/[.,][.,]|^ /);
      lengths.add(c.pieces.length);
    }
    expect(lengths.size).toBe(MAX_COMPLETION_TOKENS - MIN_COMPLETION_TOKENS + 1);
  });

  it("max tokens truncates to a prefix with finish_reason length", () => {
    const full = generateCompletion("llama-8b", "hello");
    const cut = generateCompletion("llama-8b", "hello", 5);
    expect(cut.finishReason).toBe("length");
    expect(cut.pieces).toEqual(full.pieces.slice(0, 5));
    expect(generateCompletion("llama-8b", "hello", 1000)).toEqual(full);
    expect(generateCompletion("llama-8b", "hello", full.pieces.length)).toEqual(full);
  });

  it("completion_tokens == countTokens(content) == number of pieces", () => {
    for (let i = 0; i < 300; i++) {
      const c = generateCompletion("llama-1.5b", `q${i}`);
      expect(countTokens(c.pieces.join(""))).toBe(c.pieces.length);
    }
    for (const p of ALL_PIECES) {
      expect(countTokens(p)).toBe(1);
      expect(JSON.stringify(p)).toBe(`"${p}"`); // never needs escaping
    }
  });
});

describe("countTokens", () => {
  it.each([
    ["", 0],
    ["   \n\t", 0],
    ["hello", 1],
    ["hello world", 2],
    ["Hello, world!", 4],
    ["internationalization", 3],
    ["12345", 2],
    ["a1b", 3],
    ["don't", 3],
    ["日本語", 3],
    ["🙂", 1],
    ["x\u00a0y", 2],
  ])("%j -> %i", (text, n) => {
    expect(countTokens(text)).toBe(n);
  });

  it("is additive over whitespace-joined parts", () => {
    const parts = ["You are helpful.", "What is 2+2?", "Four."];
    expect(countTokens(parts.join("\n"))).toBe(parts.reduce((s, p) => s + countTokens(p), 0));
  });
});

describe("embed", () => {
  it("is a deterministic unit vector", () => {
    const v = embed("m", "hello", 64);
    expect(v).toHaveLength(64);
    expect(Math.hypot(...v)).toBeCloseTo(1, 12);
    expect(embed("m", "hello", 64)).toEqual(v);
    expect(embed("m", "hello!", 64)).not.toEqual(v);
  });
});

describe("poorCompletion", () => {
  const out = generateCompletion("llama-8b", "Tell me about rivers.");
  it("answers a refusal, or cuts the answer with finish length, or leaves it", () => {
    expect(poorCompletion(out, "refusal")).toEqual({ pieces: expect.any(Array), finishReason: "stop" });
    expect(poorCompletion(out, "refusal").pieces.join("")).toBe("I'm sorry, but I can't help with that.");
    const cut = poorCompletion(out, "truncated");
    expect(cut.finishReason).toBe("length");
    expect(cut.pieces).toEqual(out.pieces.slice(0, 4));
    expect(poorCompletion(out, null)).toBe(out);
  });
});
