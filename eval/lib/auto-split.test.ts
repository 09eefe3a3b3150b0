import { describe, expect, it } from "vitest";
import { splitOf } from "./auto-split";

const EXPECTED = ["held-out", "tuning", "held-out"];

describe("the tuning / held-out split", () => {
  it("is fixed: known prompts stay on their side", () => {
    expect(["What is 2 + 2?", "Write a haiku about rain.", "Sort a list in Python."].map(splitOf)).toEqual(EXPECTED);
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
