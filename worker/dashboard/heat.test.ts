import { describe, expect, it } from "vitest";
import { slowness, ttftColour } from "./heat";

describe("ttftColour", () => {
  it("runs from green (fast) to red (slow) on a log scale", () => {
    expect(ttftColour(10)).toBe("hsl(120 70% 62%)");
    expect(ttftColour(50)).toBe("hsl(120 70% 62%)");
    expect(ttftColour(3_000)).toBe("hsl(0 70% 62%)");
    expect(ttftColour(60_000)).toBe("hsl(0 70% 62%)");
    // Equal ratios, equal steps.
    expect(slowness(400) - slowness(200)).toBeCloseTo(slowness(2_000) - slowness(1_000), 10);
  });

  it("greys out a cell with no samples", () => {
    expect(ttftColour(null)).toBe("hsl(0 0% 88%)");
  });
});
