// The worker's prompt fingerprint: a thin adapter over wasm/fingerprint.wasm
// (built from wasm/assembly/fingerprint.ts) and the vocabulary wasm/embeddings.bin.
// One instance per isolate, created on first use: the table (~2.4 MB) and the
// marker keywords (16 KB) are copied into wasm memory once; each call encodes the
// text straight into wasm memory and copies the result out. Same results as
// wasm/reference/embedding-reference.ts.

import wasmModule from "../../wasm/fingerprint.wasm";
import tableBytes from "../../wasm/embeddings.bin";
import type { MarkedFingerprint } from "./fingerprint";
import { KEYWORD_SLOTS, keywordTable } from "./markers";
import { wordSketch, type WordSketch } from "./word-sketch";

/** Longest prompt prefix fingerprinted, in UTF-8 bytes (the wasm clamps to the same). */
export const MAX_INPUT_BYTES = 1 << 20;
const DIMS = 100;

interface Exports {
  memory: WebAssembly.Memory;
  allocTable(len: number): number;
  allocKeywords(slots: number): number;
  init(): number;
  inputBuffer(len: number): number;
  inputCapacity(): number;
  /**
   * Fingerprints the first `len` input bytes; returns a pointer to u32s [hi, lo, tokens, known,
   * salientCount, salientPtr, vectorPtr, code, math, structured, summary, nonAscii, lines].
   */
  run(len: number): number;
}

interface Embedder {
  ex: Exports;
  /** memory.buffer when the views were made (memory growth replaces it). */
  buffer: ArrayBuffer;
  u32: Uint32Array;
  f32: Float32Array;
  /** The wasm input buffer, at its full capacity. */
  input: Uint8Array;
}

const encoder = new TextEncoder();
let embedder: Embedder | null = null;

function create(): Embedder {
  const instance = new WebAssembly.Instance(wasmModule, {});
  const ex = instance.exports as unknown as Exports;
  const bytes = new Uint8Array(tableBytes);
  const ptr = ex.allocTable(bytes.byteLength);
  if (ptr === 0) throw new Error("fingerprint wasm: table allocation failed");
  new Uint8Array(ex.memory.buffer, ptr, bytes.byteLength).set(bytes);
  const keywords = keywordTable();
  const kwPtr = ex.allocKeywords(KEYWORD_SLOTS);
  if (kwPtr === 0) throw new Error("fingerprint wasm: keyword table allocation failed");
  new Int32Array(ex.memory.buffer, kwPtr, keywords.length).set(keywords);
  const rc = ex.init();
  if (rc !== 0) throw new Error(`fingerprint wasm: embeddings.bin or keyword table rejected (code ${rc})`);
  const e: Embedder = { ex, buffer: ex.memory.buffer, u32: new Uint32Array(0), f32: new Float32Array(0), input: new Uint8Array(0) };
  ensureInput(e, 4096);
  return e;
}

/** Makes the input buffer hold `want` bytes and the views current. */
function ensureInput(e: Embedder, want: number): void {
  const ex = e.ex;
  if (e.input.length < want || e.buffer !== ex.memory.buffer) {
    const ptr = ex.inputBuffer(want);
    const cap = ex.inputCapacity();
    views(e);
    e.input = new Uint8Array(e.buffer, ptr, cap);
  }
}

function views(e: Embedder): void {
  const buffer = e.ex.memory.buffer;
  if (buffer !== e.buffer || e.u32.length === 0) {
    e.buffer = buffer;
    e.u32 = new Uint32Array(buffer);
    e.f32 = new Float32Array(buffer);
    e.input = new Uint8Array(0);
  }
}

/** Bytes of wasm memory the fingerprint instance holds (0 before first use), for the isolate read-out. */
export const fingerprintMemoryBytes = (): number => embedder?.ex.memory.buffer.byteLength ?? 0;

/**
 * The last text and its fingerprint: `auto` and the semantic cache both
 * fingerprint a request's final user turn, and this makes that one wasm pass.
 * Fingerprints are never mutated by their readers, so sharing one is safe.
 */
let last: { text: string; fp: MarkedFingerprint } | null = null;

export function fingerprint(text: string): MarkedFingerprint {
  if (last?.text === text) return last.fp;
  const fp = fingerprintPass(text);
  last = { text, fp };
  return fp;
}

/** One wasm pass, never memoised (benchmarks time this). */
export function fingerprintPass(text: string): MarkedFingerprint {
  const e = (embedder ??= create());
  try {
    // UTF-8 takes at most 3 bytes per UTF-16 unit; at the cap, encodeInto stops at a character boundary.
    ensureInput(e, Math.min(MAX_INPUT_BYTES, text.length * 3));
    const { written } = encoder.encodeInto(text, e.input);
    const res = e.ex.run(written) >>> 2;
    if (e.buffer !== e.ex.memory.buffer) views(e); // the salient buffer grew
    const u32 = e.u32;
    const salientPtr = u32[res + 5]! >>> 2;
    const vectorPtr = u32[res + 6]! >>> 2;
    const fp: MarkedFingerprint = {
      vector: e.f32.slice(vectorPtr, vectorPtr + DIMS),
      signature: [u32[res]!, u32[res + 1]!],
      salient: u32.slice(salientPtr, salientPtr + u32[res + 4]!),
      tokens: u32[res + 2]!,
      known: u32[res + 3]!,
      markers: {
        code: u32[res + 7]!,
        math: u32[res + 8]!,
        structured: u32[res + 9]!,
        summary: u32[res + 10]!,
        nonAscii: u32[res + 11]!,
        lines: u32[res + 12]!,
      },
    };
    // The word sketch only the semantic cache reads: made on first use, so `auto` never pays for it.
    let sketch: WordSketch | undefined;
    Object.defineProperty(fp, "sketch", { enumerable: true, get: () => (sketch ??= wordSketch(text.length > MAX_INPUT_BYTES ? text.slice(0, MAX_INPUT_BYTES) : text)) });
    return fp;
  } catch (err) {
    embedder = null; // a trap leaves the instance in an unknown state: start over on the next call
    throw err;
  }
}

/** Drops the instance; the next call instantiates again (tests). */
export function resetEmbedder(): void {
  embedder = null;
  last = null;
}
