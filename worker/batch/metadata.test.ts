import { describe, expect, it } from "vitest";
import { checkMetadata } from "./metadata";

describe("checkMetadata", () => {
  it("keeps prototype-named keys from a JSON body as plain own keys", () => {
    const result = checkMetadata(JSON.parse('{"__proto__": "x", "constructor": "y", "job": "nightly"}'));
    expect(result.ok).toBe(true);
    const metadata = (result as { metadata: Record<string, string> }).metadata;
    expect(Object.keys(metadata).sort()).toEqual(["__proto__", "constructor", "job"]);
    expect(Object.getPrototypeOf(metadata)).toBe(Object.prototype);
    expect(JSON.parse(JSON.stringify(metadata))).toEqual(JSON.parse('{"__proto__": "x", "constructor": "y", "job": "nightly"}'));
  });

  it("refuses what OpenAI refuses: more than 16 keys, long keys or values, non-strings", () => {
    expect(checkMetadata(Object.fromEntries(Array.from({ length: 17 }, (_, i) => [`k${i}`, "v"]))).ok).toBe(false);
    expect(checkMetadata({ ["k".repeat(65)]: "v" }).ok).toBe(false);
    expect(checkMetadata({ k: "v".repeat(513) }).ok).toBe(false);
    expect(checkMetadata({ k: 1 }).ok).toBe(false);
    expect(checkMetadata(["a"]).ok).toBe(false);
    expect(checkMetadata(null)).toEqual({ ok: true, metadata: null });
  });
});
