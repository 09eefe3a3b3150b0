// A tiny llama-architecture model with random weights, for running real
// llama.cpp inference in tests without downloading anything. It computes
// nonsense, but through every real step: tokenizer, attention with RoPE and a
// KV cache, SwiGLU feed-forward, sampling.
//
// One trick keeps its text clean: every token embedding carries a constant in
// dimension 0, so after RMS norm the last hidden state has a large positive
// component there, and the output rows of tokens it should never produce
// (control tokens, end of text, raw bytes) get a large negative weight on it.
// So it writes printable ASCII only, never stops on its own (every answer runs
// to max_tokens), yet still reads any UTF-8 prompt through byte fallback.

import { prng } from "../../fleet/text";
import { array, bool, encodeGguf, f32, str, u32, type GgufModel, type GgufTensor } from "./gguf";

export interface TinyModelShape {
  embd: number;
  layers: number;
  heads: number;
  ff: number;
  context: number;
  seed: number;
}

export const DEFAULT_SHAPE: TinyModelShape = { embd: 64, layers: 2, heads: 4, ff: 192, context: 1024, seed: 7 };

const SPACE = "\u2581"; // SentencePiece's word-boundary marker
const TOKEN_TYPE = { normal: 1, unknown: 2, control: 3, byte: 6 } as const;
const ANCHOR = 4; // the constant in dimension 0 of every embedding
const SILENCE = -8; // output weight on dimension 0 for tokens never produced

export interface Vocabulary {
  tokens: string[];
  types: number[];
  /** Whether the model may produce each token. */
  speaks: boolean[];
}

/** <unk> <s> </s>, the 256 byte-fallback tokens, the space marker and printable ASCII. */
export function vocabulary(): Vocabulary {
  const tokens = ["<unk>", "<s>", "</s>"];
  const types: number[] = [TOKEN_TYPE.unknown, TOKEN_TYPE.control, TOKEN_TYPE.control];
  for (let b = 0; b < 256; b++) {
    tokens.push(`<0x${b.toString(16).toUpperCase().padStart(2, "0")}>`);
    types.push(TOKEN_TYPE.byte);
  }
  const firstSpoken = tokens.length;
  tokens.push(SPACE);
  for (let c = 0x21; c < 0x7f; c++) tokens.push(String.fromCharCode(c));
  while (types.length < tokens.length) types.push(TOKEN_TYPE.normal);
  return { tokens, types, speaks: tokens.map((_, i) => i >= firstSpoken) };
}

export function tinyModel(shape: TinyModelShape = DEFAULT_SHAPE): GgufModel {
  const { embd, layers, heads, ff, context } = shape;
  const vocab = vocabulary();
  const n = vocab.tokens.length;
  const random = gaussian(shape.seed);
  const matrix = (name: string, cols: number, rows: number, scale = 1 / Math.sqrt(cols)): GgufTensor => ({
    name,
    dims: [cols, rows],
    data: Float32Array.from({ length: cols * rows }, () => random() * scale),
  });
  const ones = (name: string): GgufTensor => ({ name, dims: [embd], data: new Float32Array(embd).fill(1) });

  const embeddings = matrix("token_embd.weight", embd, n, 1);
  for (let t = 0; t < n; t++) embeddings.data[t * embd] = ANCHOR;
  const output = matrix("output.weight", embd, n);
  for (let t = 0; t < n; t++) output.data[t * embd] = vocab.speaks[t] ? 0 : SILENCE;

  const tensors: GgufTensor[] = [embeddings, ones("output_norm.weight"), output];
  for (let l = 0; l < layers; l++) {
    const p = `blk.${l}.`;
    tensors.push(
      ones(`${p}attn_norm.weight`),
      matrix(`${p}attn_q.weight`, embd, embd),
      matrix(`${p}attn_k.weight`, embd, embd),
      matrix(`${p}attn_v.weight`, embd, embd),
      matrix(`${p}attn_output.weight`, embd, embd),
      ones(`${p}ffn_norm.weight`),
      matrix(`${p}ffn_gate.weight`, embd, ff),
      matrix(`${p}ffn_up.weight`, embd, ff),
      matrix(`${p}ffn_down.weight`, ff, embd),
    );
  }

  return {
    metadata: {
      "general.architecture": str("llama"),
      "general.name": str("meridian-tiny-random"),
      "general.file_type": u32(0), // all float32
      "llama.context_length": u32(context),
      "llama.embedding_length": u32(embd),
      "llama.block_count": u32(layers),
      "llama.feed_forward_length": u32(ff),
      "llama.attention.head_count": u32(heads),
      "llama.attention.head_count_kv": u32(heads),
      "llama.rope.dimension_count": u32(embd / heads),
      "llama.attention.layer_norm_rms_epsilon": f32(1e-5),
      "llama.vocab_size": u32(n),
      "tokenizer.ggml.model": str("llama"),
      "tokenizer.ggml.tokens": array("string", vocab.tokens),
      "tokenizer.ggml.scores": array("f32", vocab.tokens.map(() => 0)),
      "tokenizer.ggml.token_type": array("i32", vocab.types),
      "tokenizer.ggml.unknown_token_id": u32(0),
      "tokenizer.ggml.bos_token_id": u32(1),
      "tokenizer.ggml.eos_token_id": u32(2),
      "tokenizer.ggml.add_bos_token": bool(true),
      "tokenizer.ggml.add_eos_token": bool(false),
    },
    tensors,
  };
}

export function tinyModelFile(shape: TinyModelShape = DEFAULT_SHAPE): Uint8Array {
  return encodeGguf(tinyModel(shape));
}

/** Standard normal samples from a seeded uniform stream (Box-Muller). */
function gaussian(seed: number): () => number {
  const next = prng(seed);
  const uniform = (): number => next() / 2 ** 32; // [0, 1)
  return () => Math.sqrt(-2 * Math.log(1 - uniform())) * Math.cos(2 * Math.PI * uniform());
}
