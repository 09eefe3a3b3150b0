import { describe, expect, it } from "vitest";
import { checkMetadata } from "./metadata";
import { isBatchId, isFileId, newBatchId, newFileId } from "./ids";
import { testWindowMs, windowMs } from "./window";

describe("completion window", () => {
  it("is 24h, and only 24h", () => {
    expect(windowMs("24h")).toBe(86_400_000);
    for (const bad of ["48h", "", "constructor", "__proto__", 24, null]) expect(windowMs(bad)).toBeNull();
  });
  it("may be shortened by the test header in dev mode only", () => {
    expect(testWindowMs("1500", true)).toBe(1500);
    expect(testWindowMs("1500", false)).toBeNull();
    for (const bad of ["0", "-5", "1e3", "NaN", "99999999999", "1500\r\n"]) expect(testWindowMs(bad, true)).toBeNull();
  });
});

describe("ids", () => {
  it("recognises only their own shape", () => {
    expect(isFileId(newFileId())).toBe(true);
    expect(isBatchId(newBatchId())).toBe(true);
    for (const bad of ["file-../x", "__proto__", "file-", `file-${"A".repeat(32)}`, "batch_x\r\n"]) {
      expect(isFileId(bad) || isBatchId(bad)).toBe(false);
    }
  });
});

describe("metadata", () => {
  it("keeps prototype names as plain keys", () => {
    const r = checkMetadata(JSON.parse(`{"__proto__":"a","constructor":"b"}`));
    expect(r.ok && Object.keys(r.metadata!)).toEqual(["__proto__", "constructor"]);
    expect(r.ok && Object.getPrototypeOf(r.metadata)).toBe(Object.prototype);
  });
  it("refuses what OpenAI refuses", () => {
    expect(checkMetadata({ a: 1 }).ok).toBe(false);
    expect(checkMetadata([]).ok).toBe(false);
    expect(checkMetadata(Object.fromEntries(Array.from({ length: 17 }, (_, i) => [`k${i}`, "v"]))).ok).toBe(false);
    expect(checkMetadata(null)).toEqual({ ok: true, metadata: null });
  });
});
