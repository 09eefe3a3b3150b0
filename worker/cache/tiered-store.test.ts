import { describe, expect, it } from "vitest";
import { kvCopy } from "./tiered-store";

describe("kvCopy", () => {
  it("spells KV's copy as JSON.stringify({ value, expires }) does, from the value serialized once", () => {
    const values: unknown[] = [
      { a: 1 },
      [1, 2, 3],
      "plain",
      'a string with ,"expires":5} inside',
      { nested: { expires: 7 }, expires: 9 },
      JSON.parse('{"__proto__":{"x":1},"constructor":"c"}'),
      { key: "k", vector: [0.12345, -1e-7], signature: [1, 2] },
      null,
      0,
    ];
    for (const value of values) {
      for (const expires of [1_765_000_000_000, 0, -5, 1.5, NaN, Infinity]) {
        const copy = kvCopy(JSON.stringify(value), expires);
        expect(copy).toBe(JSON.stringify({ value, expires }));
        expect(JSON.parse(copy)).toEqual(JSON.parse(JSON.stringify({ value, expires })));
      }
    }
  });
});
