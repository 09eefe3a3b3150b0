import { describe, expect, it } from "vitest";
import { array, bool, encodeGguf, f32, str, u32, type GgufModel } from "./gguf";

/** Reads back what encodeGguf writes, independently of it, following the GGUF v3 layout. */
function readGguf(bytes: Uint8Array) {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let at = 0;
  const u32At = () => ((at += 4), view.getUint32(at - 4, true));
  const u64At = () => ((at += 8), Number(view.getBigUint64(at - 8, true)));
  const string = () => {
    const n = u64At();
    at += n;
    return new TextDecoder().decode(bytes.subarray(at - n, at));
  };
  const scalar = (type: number): unknown => {
    if (type === 4) return u32At();
    if (type === 5) return ((at += 4), view.getInt32(at - 4, true));
    if (type === 6) return ((at += 4), view.getFloat32(at - 4, true));
    if (type === 7) return ((at += 1), view.getUint8(at - 1) === 1);
    if (type === 8) return string();
    throw new Error(`type ${type}`);
  };
  const magic = new TextDecoder().decode(bytes.subarray(0, 4));
  at = 4;
  const version = u32At();
  const tensorCount = u64At();
  const kvCount = u64At();
  const metadata: Record<string, unknown> = {};
  for (let i = 0; i < kvCount; i++) {
    const key = string();
    const type = u32At();
    if (type === 9) {
      const of = u32At();
      metadata[key] = Array.from({ length: u64At() }, () => scalar(of));
    } else {
      metadata[key] = scalar(type);
    }
  }
  const infos = Array.from({ length: tensorCount }, () => {
    const name = string();
    const dims = Array.from({ length: u32At() }, () => u64At());
    return { name, dims, type: u32At(), offset: u64At() };
  });
  const dataStart = Math.ceil(at / 32) * 32;
  const tensors = infos.map((t) => {
    const count = t.dims.reduce((a, b) => a * b, 1);
    const start = dataStart + t.offset;
    return { ...t, start, values: Array.from({ length: count }, (_, i) => view.getFloat32(start + 4 * i, true)) };
  });
  return { magic, version, metadata, tensors };
}

const model: GgufModel = {
  metadata: {
    "general.architecture": str("llama"),
    "llama.block_count": u32(2),
    "llama.attention.layer_norm_rms_epsilon": f32(0.5),
    "tokenizer.ggml.add_bos_token": bool(true),
    "tokenizer.ggml.tokens": array("string", ["<s>", "▁", "é"]),
    "tokenizer.ggml.token_type": array("i32", [3, 1, -1]),
  },
  tensors: [
    { name: "a", dims: [3], data: Float32Array.of(1, 2, 3) },
    { name: "b.weight", dims: [2, 2], data: Float32Array.of(-1, 0.5, 0.25, 8) },
  ],
};

describe("encodeGguf", () => {
  it("writes a GGUF v3 file that reads back to the same metadata and tensors", () => {
    const back = readGguf(encodeGguf(model));
    expect(back.magic).toBe("GGUF");
    expect(back.version).toBe(3);
    expect(back.metadata).toEqual({
      "general.architecture": "llama",
      "llama.block_count": 2,
      "llama.attention.layer_norm_rms_epsilon": 0.5,
      "tokenizer.ggml.add_bos_token": true,
      "tokenizer.ggml.tokens": ["<s>", "▁", "é"],
      "tokenizer.ggml.token_type": [3, 1, -1],
    });
    expect(back.tensors.map((t) => [t.name, t.dims, t.type])).toEqual([
      ["a", [3], 0],
      ["b.weight", [2, 2], 0],
    ]);
    expect(back.tensors.map((t) => t.values)).toEqual([
      [1, 2, 3],
      [-1, 0.5, 0.25, 8],
    ]);
  });

  it("aligns every tensor's data to 32 bytes", () => {
    for (const t of readGguf(encodeGguf(model)).tensors) expect(t.start % 32).toBe(0);
  });

  it("refuses a tensor whose data does not fill its dims", () => {
    expect(() => encodeGguf({ metadata: {}, tensors: [{ name: "x", dims: [2, 3], data: new Float32Array(5) }] })).toThrow(/x: dims 2x3 hold 6 values, data has 5/);
  });

  it("grows its buffer past the first 64 KiB without losing bytes", () => {
    const big = Float32Array.from({ length: 40_000 }, (_, i) => i);
    const back = readGguf(encodeGguf({ metadata: { k: str("v") }, tensors: [{ name: "big", dims: [200, 200], data: big }] }));
    expect(back.tensors[0]!.values[39_999]).toBe(39_999);
    expect(back.metadata).toEqual({ k: "v" });
  });
});
