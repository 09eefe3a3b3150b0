import { describe, expect, it } from "vitest";
import { accuracy, confusionMatrix, confusionTable, type Prediction } from "./lib/class-confusion";

const p = (actual: Prediction["actual"], predicted: Prediction["predicted"]): Prediction => ({ actual, predicted });

describe("class confusion", () => {
  const predictions = [p("chat", "chat"), p("chat", "other"), p("math", "math"), p("math", "coding"), p("math", "math")];

  it("counts accuracy", () => {
    expect(accuracy(predictions)).toBeCloseTo(3 / 5, 12);
    expect(accuracy([])).toBeNaN();
  });

  it("puts labels in rows and predictions in columns, in class order", () => {
    const m = confusionMatrix(predictions);
    expect(m[0]).toEqual([1, 0, 0, 0, 0, 1]); // chat
    expect(m[3]).toEqual([0, 0, 1, 2, 0, 0]); // math
    expect(m.flat().reduce((a, b) => a + b, 0)).toBe(5);
  });

  it("renders recall per class", () => {
    const table = confusionTable(predictions).split("\n");
    expect(table[2]).toBe("| chat | 1 | 0 | 0 | 0 | 0 | 1 | 50% |");
    expect(table[5]).toBe("| math | 0 | 0 | 1 | 2 | 0 | 0 | 67% |");
    expect(table[3]).toBe("| extraction | 0 | 0 | 0 | 0 | 0 | 0 | – |");
  });
});
