import { describe, expect, it } from "vitest";
import { hasOwn, own } from "./own";

const NAMES = ["constructor", "__proto__", "toString", "hasOwnProperty", "valueOf", "isPrototypeOf"];

describe("own", () => {
  it("finds own keys only", () => {
    const record: Record<string, number> = { a: 1 };
    expect(own(record, "a")).toBe(1);
    for (const name of NAMES) {
      expect(own(record, name), name).toBeUndefined();
      expect(hasOwn(record, name), name).toBe(false);
    }
    expect(own(undefined, "a")).toBeUndefined();
    expect(hasOwn(null, "a")).toBe(false);
  });

  it("finds a key named like an inherited one when the record has it itself", () => {
    const parsed = JSON.parse('{"constructor": 1, "__proto__": 2}') as Record<string, number>;
    expect(own(parsed, "constructor")).toBe(1);
    expect(own(parsed, "__proto__")).toBe(2);
    expect(hasOwn(parsed, "__proto__")).toBe(true);
  });
});
