import { describe, expect, it } from "vitest";
import { LLAMA_1_5B, LLAMA_8B, PROFILES } from "./gpu-profiles";
import { decodeStepMs, interpolate, prefillMs } from "./timing";

describe("prefillMs", () => {
  it("reproduces every measured point for both profiles", () => {
    for (const p of Object.values(PROFILES)) {
      for (const [tokens, ms] of p.prefill) expect(prefillMs(p, tokens)).toBeCloseTo(ms, 9);
    }
  });

  it("interpolates in log space between points", () => {
    // 1024 is halfway between 512 and 2048 in log2.
    expect(prefillMs(LLAMA_8B, 1024)).toBeCloseTo((14.148 + 53.345) / 2, 9);
    const mid = prefillMs("llama-8b", 4096);
    expect(mid).toBeGreaterThan(53.345);
    expect(mid).toBeLessThan(237.811);
  });

  it("clamps below the table and extrapolates linearly above it", () => {
    expect(prefillMs(LLAMA_8B, 1)).toBe(10.226);
    expect(prefillMs(LLAMA_8B, 0)).toBe(10.226);
    const slope = (237.811 - 53.345) / (8192 - 2048);
    expect(prefillMs(LLAMA_8B, 16384)).toBeCloseTo(237.811 + slope * 8192, 9);
    expect(prefillMs(LLAMA_1_5B, 32768)).toBeGreaterThan(prefillMs(LLAMA_1_5B, 8192));
  });

  it("divides by speed and rejects a bad speed", () => {
    expect(prefillMs(LLAMA_8B, 2048, 20)).toBeCloseTo(53.345 / 20, 9);
    expect(() => prefillMs(LLAMA_8B, 10, 0)).toThrow(RangeError);
    expect(() => prefillMs(LLAMA_8B, 10, Number.NaN)).toThrow(RangeError);
  });

  it("the 8b model is slower than the 1.5b one everywhere", () => {
    for (const t of [1, 100, 500, 3000, 10000]) expect(prefillMs(LLAMA_8B, t)).toBeGreaterThan(prefillMs(LLAMA_1_5B, t));
  });
});

describe("decodeStepMs", () => {
  it("reproduces every measured point for both profiles", () => {
    for (const p of Object.values(PROFILES)) {
      for (const row of p.decode) {
        for (const [b, ms] of row.byBatch) expect(decodeStepMs(p, b, row.ctx)).toBeCloseTo(ms, 9);
      }
    }
  });

  it("grows slowly and monotonically with batch", () => {
    let prev = 0;
    for (let b = 1; b <= 256; b++) {
      const ms = decodeStepMs(LLAMA_8B, b, 1024);
      expect(ms).toBeGreaterThanOrEqual(prev);
      prev = ms;
    }
    // 32x the batch costs far less than 32x the time: that is why batching pays.
    expect(decodeStepMs(LLAMA_8B, 32, 1024) / decodeStepMs(LLAMA_8B, 1, 1024)).toBeLessThan(1.5);
  });

  it("interpolates linearly in ctx and extends the ctx4096 row past its last batch", () => {
    expect(decodeStepMs(LLAMA_8B, 8, 2560)).toBeCloseTo((7.006 + 8.031) / 2, 9);
    // ctx4096 has no b128 sample: the extra KV cost per sequence at b32 is carried over.
    const extraPerSeq = (11.99 - 7.982) / 32;
    expect(decodeStepMs(LLAMA_8B, 128, 4096)).toBeCloseTo(12.857 + extraPerSeq * 128, 9);
    expect(decodeStepMs(LLAMA_8B, 32, 8192)).toBeGreaterThan(11.99);
  });

  it("short contexts are a little cheaper than ctx 1024, never below a floor", () => {
    const short = decodeStepMs(LLAMA_8B, 1, 100);
    expect(short).toBeLessThan(6.516);
    expect(short).toBeGreaterThan(6);
    expect(decodeStepMs(LLAMA_1_5B, 1, 0)).toBeGreaterThan(0);
  });

  it("clamps batch below 1 and divides by speed", () => {
    expect(decodeStepMs(LLAMA_1_5B, 0, 1024)).toBe(1.475);
    expect(decodeStepMs(LLAMA_1_5B, 8, 1024, 20)).toBeCloseTo(1.632 / 20, 9);
  });
});

describe("interpolate", () => {
  it("never decreases past the end even if the last segment dips", () => {
    expect(interpolate([[1, 5], [2, 4]], 10)).toBe(4);
    expect(interpolate([[1, 5]], 10)).toBe(5);
  });
});
