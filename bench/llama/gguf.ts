// Writes GGUF (version 3), the single-file model format llama.cpp loads:
// header, typed metadata, tensor descriptors, then each tensor's bytes at an
// aligned offset. Only what a float32 model needs; everything little-endian.

const MAGIC = 0x46554747; // "GGUF" read as a little-endian u32
const VERSION = 3;
const ALIGNMENT = 32; // llama.cpp's default `general.alignment`
const F32_TENSOR = 0; // ggml_type GGML_TYPE_F32

/** GGUF metadata value types (gguf_type). */
export const GgufType = { u32: 4, i32: 5, f32: 6, bool: 7, string: 8, array: 9 } as const;

type Scalar = "u32" | "i32" | "f32" | "bool" | "string";
export type GgufValue =
  | { type: "u32" | "i32" | "f32"; value: number }
  | { type: "bool"; value: boolean }
  | { type: "string"; value: string }
  | { type: "array"; of: Scalar; values: readonly (number | string | boolean)[] };

export const u32 = (value: number): GgufValue => ({ type: "u32", value });
export const f32 = (value: number): GgufValue => ({ type: "f32", value });
export const bool = (value: boolean): GgufValue => ({ type: "bool", value });
export const str = (value: string): GgufValue => ({ type: "string", value });
export const array = (of: Scalar, values: readonly (number | string | boolean)[]): GgufValue => ({ type: "array", of, values });

export interface GgufTensor {
  name: string;
  /** ggml order: dims[0] is the contiguous (row) length. */
  dims: readonly number[];
  data: Float32Array;
}

export interface GgufModel {
  metadata: Readonly<Record<string, GgufValue>>;
  tensors: readonly GgufTensor[];
}

const utf8 = new TextEncoder();
const align = (n: number): number => Math.ceil(n / ALIGNMENT) * ALIGNMENT;

/** The whole file as bytes. Throws if a tensor's data does not match its dims. */
export function encodeGguf(model: GgufModel): Uint8Array {
  for (const t of model.tensors) {
    const count = t.dims.reduce((a, b) => a * b, 1);
    if (count !== t.data.length) throw new Error(`tensor ${t.name}: dims ${t.dims.join("x")} hold ${count} values, data has ${t.data.length}`);
  }
  const out = new Writer();
  const entries = Object.entries(model.metadata);
  out.u32(MAGIC);
  out.u32(VERSION);
  out.u64(model.tensors.length);
  out.u64(entries.length);
  for (const [key, value] of entries) {
    out.string(key);
    writeValue(out, value);
  }
  let offset = 0;
  for (const t of model.tensors) {
    out.string(t.name);
    out.u32(t.dims.length);
    for (const d of t.dims) out.u64(d);
    out.u32(F32_TENSOR);
    out.u64(offset);
    offset = align(offset + t.data.byteLength);
  }
  out.padTo(align(out.length));
  const dataStart = out.length;
  for (const t of model.tensors) {
    out.padTo(dataStart + align(out.length - dataStart));
    out.bytes(new Uint8Array(t.data.buffer, t.data.byteOffset, t.data.byteLength));
  }
  return out.finish();
}

function writeValue(out: Writer, v: GgufValue): void {
  out.u32(GgufType[v.type]);
  if (v.type === "array") {
    out.u32(GgufType[v.of]);
    out.u64(v.values.length);
    for (const item of v.values) writeScalar(out, v.of, item);
  } else {
    writeScalar(out, v.type, v.value);
  }
}

function writeScalar(out: Writer, type: Scalar, value: number | string | boolean): void {
  if (type === "string") out.string(String(value));
  else if (type === "bool") out.u8(value ? 1 : 0);
  else if (type === "f32") out.f32(Number(value));
  else if (type === "i32") out.i32(Number(value));
  else out.u32(Number(value));
}

/** A growable little-endian byte buffer. */
class Writer {
  private buf = new Uint8Array(1 << 16);
  private view = new DataView(this.buf.buffer);
  length = 0;

  /** Claims n bytes and returns their offset. It may replace buf and view, so callers take the offset first. */
  private reserve(n: number): number {
    const at = this.length;
    if (at + n > this.buf.length) {
      const next = new Uint8Array(Math.max(this.buf.length * 2, at + n));
      next.set(this.buf.subarray(0, at));
      this.buf = next;
      this.view = new DataView(next.buffer);
    }
    this.length = at + n;
    return at;
  }

  u8(n: number): void {
    const at = this.reserve(1);
    this.view.setUint8(at, n);
  }
  u32(n: number): void {
    const at = this.reserve(4);
    this.view.setUint32(at, n, true);
  }
  i32(n: number): void {
    const at = this.reserve(4);
    this.view.setInt32(at, n, true);
  }
  f32(n: number): void {
    const at = this.reserve(4);
    this.view.setFloat32(at, n, true);
  }
  u64(n: number): void {
    const at = this.reserve(8);
    this.view.setBigUint64(at, BigInt(n), true);
  }
  string(s: string): void {
    const b = utf8.encode(s);
    this.u64(b.length);
    this.bytes(b);
  }
  bytes(b: Uint8Array): void {
    const at = this.reserve(b.length);
    this.buf.set(b, at);
  }
  /** Zero bytes up to an absolute length. */
  padTo(n: number): void {
    if (n > this.length) this.reserve(n - this.length); // new bytes are already zero
  }
  finish(): Uint8Array {
    return this.buf.subarray(0, this.length);
  }
}
