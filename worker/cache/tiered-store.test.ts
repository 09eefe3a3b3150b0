import { describe, expect, it } from "vitest";
import { valueText } from "./tiered-store";

describe("valueText", () => {
  const values: unknown[] = [
    { a: 1 },
    [1, 2, 3],
    "plain",
    'a string with ,"expires":5} inside',
    { nested: { expires: 7 }, expires: 9 },
    { key: "k", vector: [0.12345, -1e-7], signature: [1, 2] },
    null,
    0,
  ];
  it("finds the value's JSON in every copy put writes, as JSON.stringify({ value, expires }) does", () => {
    for (const value of values) {
      for (const expires of [1_765_000_000_000, 0, -5, 1.5]) {
        const stored = JSON.stringify({ value, expires });
        expect(stored).toBe(`{"value":${JSON.stringify(value)},"expires":${JSON.stringify(expires)}}`);
        expect(valueText(stored)).toBe(JSON.stringify(value));
      }
    }
  });
  it("is null for a copy spelled any other way", () => {
    for (const stored of ['{"expires":1,"value":{"a":1}}', '{"value":{"a":1}}', '{"value":1,"expires":null}', '{"value":1,"expires":2,"x":3}', "[]", ""]) {
      expect(valueText(stored)).toBeNull();
    }
  });
});
