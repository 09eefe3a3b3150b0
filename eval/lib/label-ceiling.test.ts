import { describe, expect, it } from "vitest";
import { labelCeiling, nearlyVerbatim } from "./label-ceiling";

const pair = (a: string, b: string, duplicate: boolean) => ({ a, b, duplicate, kind: "" });

describe("label ceiling", () => {
  it("treats case, spacing, punctuation and articles as the same question, not C++ / C, O- / O+ or > / <", () => {
    expect(nearlyVerbatim("How do I crack CLAT ?")).toBe(nearlyVerbatim("How do I crack the CLAT?"));
    expect(nearlyVerbatim("What is an apple?")).toBe(nearlyVerbatim("what is apple"));
    expect(nearlyVerbatim("Pass an array in C++?")).not.toBe(nearlyVerbatim("Pass an array in C?"));
    expect(nearlyVerbatim("Is O- the universal donor?")).not.toBe(nearlyVerbatim("Is O+ the universal donor?"));
    expect(nearlyVerbatim("[x * 2 for x in nums if x > 0]")).not.toBe(nearlyVerbatim("[x * 2 for x in nums if x < 0]"));
    expect(nearlyVerbatim("Grüße aus Zürich!")).toBe("grüße aus zürich");
  });

  it("counts the nearly verbatim pairs and lists the ones labelled different", () => {
    const c = labelCeiling([
      pair("How do I crack CLAT ?", "How do I crack the CLAT?", false),
      pair("What is love?", "what is love", true),
      pair("What is love?", "What is hate?", false),
    ]);
    expect(c).toMatchObject({ pairs: 2, duplicates: 1 });
    expect(c.different.map((p) => p.a)).toEqual(["How do I crack CLAT ?"]);
  });
});
