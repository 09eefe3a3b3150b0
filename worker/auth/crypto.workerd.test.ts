import { describe, expect, it } from "vitest";
import { bearerToken, generateKey, secretsEqual, sha256Hex } from "./crypto";

describe("keys and secrets", () => {
  it("hashes with SHA-256", async () => {
    expect(await sha256Hex("abc")).toBe("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  });

  it("generates distinct, prefixed, URL-safe keys with 256 bits of randomness", () => {
    const a = generateKey();
    const b = generateKey();
    expect(a).not.toBe(b);
    expect(a).toMatch(/^sk-mrd-[A-Za-z0-9_-]{43}$/);
  });

  it("compares secrets of any length", async () => {
    expect(await secretsEqual("token", "token")).toBe(true);
    expect(await secretsEqual("token", "tokem")).toBe(false);
    expect(await secretsEqual("t", "a-much-longer-token")).toBe(false);
  });

  it("reads bearer tokens", () => {
    expect(bearerToken("Bearer abc")).toBe("abc");
    expect(bearerToken("bearer  abc ")).toBe("abc");
    expect(bearerToken("Basic abc")).toBeNull();
    expect(bearerToken("Bearer a b")).toBeNull();
    expect(bearerToken(undefined)).toBeNull();
  });
});
