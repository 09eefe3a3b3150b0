import { describe, expect, it } from "vitest";
import { cachePrecisionLine } from "./cache-precision";

const report = {
  verified: 10, agree: 9, disagree: 1, unsure: 0, thumbs_down: 0, exact_thumbs_down: 0, precision: 0.9, wilson_low: 0.5958, wilson_high: 0.9821, target: 0.99,
  threshold: { configured: null, tightened: 0.9645, effective: 0.9645 },
  shadow: { calls: 10, input_tokens: 100, output_tokens: 200, operator_cost_usd: 0.0004 },
};

describe("cachePrecisionLine", () => {
  it("says the measured precision, its interval, the cut and the operator's cost", () => {
    expect(cachePrecisionLine(report)).toMatch(/^cache precision: 90\.0% \[59\.6%–98\.2%\] from 10 verdicts \(target 99\.0%\); near-duplicate cut 0\.9645 \(tightened\); shadow calls 10, operator cost \$/);
  });
  it("says when there is no evidence, and nothing for an older router", () => {
    expect(cachePrecisionLine({ ...report, precision: null, agree: 0, disagree: 0 })).toContain("no verdicts yet");
    expect(cachePrecisionLine(undefined)).toBeNull();
  });
});
