import { describe, expect, it } from "vitest";
import { kvBlocks, kvBlocksOption, kvTokens, LLAMA_1_5B, LLAMA_8B, profileKvBlocks } from "./gpu-profiles";

describe("KV capacity", () => {
  it("follows the arithmetic in the comments", () => {
    expect(LLAMA_8B.kv.bytesPerToken).toBe(128 * 1024);
    expect(kvTokens(LLAMA_8B.kv)).toBe(458_752);
    expect(kvBlocks(LLAMA_8B.kv)).toBe(28_672);
    expect(LLAMA_1_5B.kv.bytesPerToken).toBe(28 * 1024);
    expect(kvTokens(LLAMA_1_5B.kv)).toBe(2_546_541);
    expect(profileKvBlocks("llama-1.5b")).toBe(159_158);
    // Weights that do not fit leave no KV cache rather than a negative one.
    expect(kvTokens({ ...LLAMA_8B.kv, reservedGiB: 100 })).toBe(0);
  });

  it("an explicit capacity must be a whole number of blocks", () => {
    expect(kvBlocksOption(undefined, "llama-8b")).toBe(28_672);
    expect(kvBlocksOption(10, "llama-8b")).toBe(10);
    for (const bad of [0, -1, 1.5, Number.NaN, Number.POSITIVE_INFINITY, 2 ** 31]) {
      expect(() => kvBlocksOption(bad, "llama-8b")).toThrow(RangeError);
    }
  });
});
