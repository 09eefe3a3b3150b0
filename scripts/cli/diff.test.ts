import { describe, expect, it } from "vitest";
import { diff, renderDiff } from "./diff";

describe("diff", () => {
  it("finds added, removed and changed fields by path, whatever the key order", () => {
    const before = { policy: { kind: "latency" }, pools: { eu: ["a"] }, routes: [{ use: "x" }, { use: "y" }] };
    const after = { routes: [{ use: "x" }], pools: { eu: ["a", "b"] }, policy: { kind: "cost" }, cache: { exact: true } };
    expect(diff(before, after)).toEqual([
      { path: "policy.kind", kind: "changed", before: "latency", after: "cost" },
      { path: "pools.eu[1]", kind: "added", after: "b" },
      { path: "routes[1]", kind: "removed", before: { use: "y" } },
      { path: "cache", kind: "added", after: { exact: true } },
    ]);
  });

  it("treats undefined fields as absent and equal documents as the same", () => {
    expect(diff({ a: 1, b: undefined }, { a: 1 })).toEqual([]);
    expect(diff({ a: [1, { b: 2 }] }, { a: [1, { b: 2 }] })).toEqual([]);
    expect(diff({ a: [1] }, { a: [1, 2] })).toEqual([{ path: "a[1]", kind: "added", after: 2 }]);
  });

  it("reports a change of type as a change of the whole value", () => {
    expect(diff({ a: [1] }, { a: { 0: 1 } })).toEqual([{ path: "a", kind: "changed", before: [1], after: { 0: 1 } }]);
  });

  it("renders one line per change", () => {
    const text = renderDiff(diff({ a: 1, b: 2 }, { a: 3, c: "x" }));
    expect(text.split("\n")).toEqual(["~ a: 1 -> 3", "- b: 2", '+ c: "x"']);
    expect(renderDiff([])).toBe("no changes");
  });
});
