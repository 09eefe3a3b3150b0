import { describe, expect, it } from "vitest";
import { PromptBlocks } from "./prompt-blocks";
import { countTokens } from "./text";

const words = (n: number, tag = ""): string => Array.from({ length: n }, (_, i) => `${tag}w${i}`).join(" ");

describe("PromptBlocks", () => {
  it("counts tokens exactly as countTokens, and gives one id per full block of 16", () => {
    for (const s of ["", "hello", words(15), words(16), words(100), "a,b;c 123456789 é😀 xyzxyzxyzxyz", "\n\t  "]) {
      const b = new PromptBlocks().text(s);
      expect(b.tokens, s).toBe(countTokens(s));
      expect(b.blocks, s).toHaveLength(Math.floor(countTokens(s) / 16));
    }
  });

  it("equal text prefixes give equal leading blocks; the first difference changes every block after it", () => {
    const base = words(64);
    const a = new PromptBlocks().text(base + " tail one").blocks;
    const b = new PromptBlocks().text(base + " another different ending here").blocks;
    expect(a.slice(0, 4)).toEqual(b.slice(0, 4));
    // "wN" is two tokens, so w20 is tokens 40-41, in block 2: blocks 0-1 stay, 2.. change (ids are chained).
    const changed = new PromptBlocks().text(base.replace("w20", "x20")).blocks;
    expect(changed).toHaveLength(8);
    expect(changed.slice(0, 2)).toEqual(a.slice(0, 2));
    for (let i = 2; i < 8; i++) expect(changed[i]).not.toBe(a[i]);
    // Equal blocks at different positions get different ids.
    const rep = new PromptBlocks().text(Array.from({ length: 64 }, () => "same").join(" ")).blocks;
    expect(new Set(rep).size).toBe(4);
    expect(rep).toHaveLength(4);
  });

  it("markers and whitespace are hashed but cost no tokens", () => {
    const plain = new PromptBlocks().text(words(32));
    const marked = new PromptBlocks().marker("system").text(words(32));
    const otherRole = new PromptBlocks().marker("user").text(words(32));
    expect(marked.tokens).toBe(plain.tokens);
    expect(new Set([plain.blocks[0], marked.blocks[0], otherRole.blocks[0]]).size).toBe(3);
    const spaced = new PromptBlocks().text(words(32).replaceAll(" ", "  "));
    expect(spaced.tokens).toBe(plain.tokens);
    expect(spaced.blocks[0]).not.toBe(plain.blocks[0]);
    // Text split across calls hashes as one piece when split at whitespace.
    const t = words(40);
    const cut = t.indexOf(" w20");
    expect(new PromptBlocks().text(t.slice(0, cut)).text(t.slice(cut)).blocks).toEqual(new PromptBlocks().text(t).blocks);
  });

  it("token ids: one token each, distinct from the same digits as text", () => {
    const ids = Array.from({ length: 40 }, (_, i) => i * 7919);
    const b = new PromptBlocks().ids(ids);
    expect(b.tokens).toBe(40);
    expect(b.blocks).toHaveLength(2);
    expect(new PromptBlocks().ids(ids.slice(0, 32)).blocks).toEqual(b.blocks);
    expect(new PromptBlocks().ids([...ids.slice(0, 15), 1, ...ids.slice(16)]).blocks[0]).not.toBe(b.blocks[0]);
    expect(new PromptBlocks().ids([2 ** 40, -1, Number.MAX_SAFE_INTEGER]).tokens).toBe(3);
  });

  it("hostile and huge text: linear, ids are plain hex", () => {
    const hostile = new PromptBlocks().marker("__proto__").text("constructor ".repeat(100) + "\r\n".repeat(50));
    expect(hostile.tokens).toBe(200);
    for (const id of hostile.blocks) expect(id).toMatch(/^[0-9a-f]{16}$/);
    const huge = "lorem ipsum dolor sit amet ".repeat(200_000); // 1M tokens, 5.4 MB
    const t0 = performance.now();
    const b = new PromptBlocks().text(huge);
    expect(b.tokens).toBe(1_000_000);
    expect(b.blocks).toHaveLength(62_500);
    expect(new Set(b.blocks).size).toBe(62_500);
    expect(performance.now() - t0).toBeLessThan(5000);
  });
});
