import { describe, expect, it } from "vitest";
import { DEFAULT_SHAPE, tinyModel, tinyModelFile, vocabulary } from "./tiny-model";

describe("vocabulary", () => {
  const v = vocabulary();

  it("has every byte-fallback token, so llama.cpp can tokenize any UTF-8 prompt", () => {
    for (let b = 0; b < 256; b++) expect(v.tokens).toContain(`<0x${b.toString(16).toUpperCase().padStart(2, "0")}>`);
    expect(v.tokens.slice(0, 3)).toEqual(["<unk>", "<s>", "</s>"]);
  });

  it("lets the model speak only the space marker and printable ASCII", () => {
    const spoken = v.tokens.filter((_, i) => v.speaks[i]);
    expect(spoken).toHaveLength(1 + 94);
    expect(spoken.every((t) => t === "\u2581" || /^[\x21-\x7e]$/.test(t))).toBe(true);
  });
});

describe("tinyModel", () => {
  const model = tinyModel();
  const tensor = (name: string) => model.tensors.find((t) => t.name === name)!;

  it("has the llama tensors llama.cpp expects, with ggml-ordered dims", () => {
    const { embd, ff, layers } = DEFAULT_SHAPE;
    const n = vocabulary().tokens.length;
    expect(model.tensors).toHaveLength(3 + 9 * layers);
    expect(tensor("token_embd.weight").dims).toEqual([embd, n]);
    expect(tensor("output.weight").dims).toEqual([embd, n]);
    expect(tensor(`blk.${layers - 1}.ffn_gate.weight`).dims).toEqual([embd, ff]);
    expect(tensor(`blk.${layers - 1}.ffn_down.weight`).dims).toEqual([ff, embd]);
  });

  it("silences tokens it must not produce through dimension 0 of the output rows", () => {
    const { embd } = DEFAULT_SHAPE;
    const { speaks } = vocabulary();
    const out = tensor("output.weight").data;
    const embeddings = tensor("token_embd.weight").data;
    speaks.forEach((spoken, t) => {
      expect(out[t * embd]).toBe(spoken ? 0 : -8);
      expect(embeddings[t * embd]).toBe(4);
    });
  });

  it("is the same file for the same seed and another for another seed", () => {
    expect(Buffer.from(tinyModelFile()).equals(Buffer.from(tinyModelFile()))).toBe(true);
    expect(Buffer.from(tinyModelFile()).equals(Buffer.from(tinyModelFile({ ...DEFAULT_SHAPE, seed: 8 })))).toBe(false);
  });
});
