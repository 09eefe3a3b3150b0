import { describe, expect, it } from "vitest";
import { fnv1a, splitOf } from "./auto-split";

describe("the tuning / held-out split", () => {
  it("is the published FNV-1a hash", () => {
    expect(fnv1a("")).toBe(0x811c9dc5);
    expect(fnv1a("a")).toBe(0xe40c292c);
  });

  it("puts the same prompt on the same side, whatever its spacing", () => {
    expect(splitOf("What is 2 +  2?\n")).toBe(splitOf("What is 2 + 2?"));
  });

  it("splits about half and half", () => {
    let held = 0;
    for (let i = 0; i < 4000; i++) if (splitOf(`prompt number ${i}`) === "held-out") held++;
    expect(held / 4000).toBeGreaterThan(0.46);
    expect(held / 4000).toBeLessThan(0.54);
  });
});
