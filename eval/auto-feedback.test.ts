// The headline of `npm run eval:auto` (b), on a shorter run: when the small
// model silently gets bad at one class, the bandit moves that class to the
// large model within a bounded number of requests, thanks to forgetting, and
// leaves the other classes where they were.

import { describe, expect, it } from "vitest";
import { DEFAULT_PRIOR_STRENGTH, EVIDENCE_DECAY } from "../worker/auto/bandit";
import { PROMPT_CLASSES } from "../worker/vocabulary/prompt-classes";
import { devTiers, SEEDED_QUALITY, type QualityTable } from "./lib/auto-setup";
import { classWindows, outcome, requestsUntilBelow, simulateFeedback, smallShare, type FeedbackConfig, type FeedbackEvent } from "./lib/auto-feedback";

const e = (cls: FeedbackEvent["class"], tier: FeedbackEvent["tier"], good = true, costUsd = 0.001): FeedbackEvent => ({ class: cls, tier, good, costUsd });

describe("reading a run", () => {
  const events = [e("chat", "small"), e("math", "large", false), e("chat", "small"), e("chat", "large"), e("math", "small"), e("chat", "large", false)];

  it("measures a class's share on the small model, in windows of its own requests", () => {
    expect(smallShare(events, "chat")).toBeCloseTo(0.5, 12);
    expect(smallShare(events, "math", 2)).toBe(1);
    expect(smallShare(events, "coding")).toBeNaN();
    expect(classWindows(events, "chat", 2)).toEqual([
      { first: 0, last: 2, onSmall: 1 },
      { first: 3, last: 5, onSmall: 0 },
    ]);
  });

  it("counts a class's requests until its trailing share falls below a threshold", () => {
    expect(requestsUntilBelow(events, "chat", 0, 0.5, 2)).toBe(4);
    expect(requestsUntilBelow(events, "chat", 0, 0.5, 4)).toBeNull();
  });

  it("sums outcomes", () => {
    expect(outcome(events)).toEqual({ good: 4 / 6, costPer1k: expect.closeTo(1, 9) });
    expect(outcome(events, 1, 2).good).toBe(0);
  });
});

describe("the feedback loop", () => {
  const truth: QualityTable = {
    small: { chat: 0.92, extraction: 0.85, coding: 0.4, math: 0.3, summarization: 0.62, other: 0.75 },
    large: { chat: 0.95, extraction: 0.94, coding: 0.9, math: 0.87, summarization: 0.92, other: 0.93 },
  };
  const requests = 6000;
  const half = requests / 2;
  const config = (decay: number, drop: boolean): FeedbackConfig => ({
    tiers: devTiers(),
    seeded: SEEDED_QUALITY,
    truth,
    mix: PROMPT_CLASSES.map((cls) => ({ class: cls, inputTokens: 200 })),
    requests,
    floor: 0.7,
    strength: DEFAULT_PRIOR_STRENGTH,
    decay,
    batch: 10,
    drop: drop ? { class: "extraction", tier: "small", to: 0.3, atRequest: half } : null,
    seed: 7,
  });
  const run = simulateFeedback(config(EVIDENCE_DECAY, true));
  const control = simulateFeedback(config(EVIDENCE_DECAY, false));

  it("is deterministic for a seed", () => {
    expect(simulateFeedback(config(EVIDENCE_DECAY, true))).toEqual(run);
  });

  it("learns each class's right model before the drop", () => {
    const settled = (cls: (typeof PROMPT_CLASSES)[number]) => smallShare(run, cls, half / 2, half);
    expect(settled("extraction")).toBeGreaterThan(0.85);
    expect(settled("chat")).toBeGreaterThan(0.9);
    expect(settled("coding")).toBeLessThan(0.05);
    expect(settled("math")).toBeLessThan(0.05);
  });

  it("moves the class away from the small model within a bounded number of requests after the drop", () => {
    const moved = requestsUntilBelow(run, "extraction", half, 0.2, 20);
    expect(moved).not.toBeNull();
    expect(moved!).toBeLessThan(150); // 28 to 121 over seeds 1-20
    expect(smallShare(run, "extraction", half + 300)).toBeLessThan(0.05);
  });

  it("needs the forgetting to do it quickly", () => {
    const stubborn = requestsUntilBelow(simulateFeedback(config(1, true)), "extraction", half, 0.2, 20);
    const moved = requestsUntilBelow(run, "extraction", half, 0.2, 20)!;
    expect(stubborn === null || stubborn > 2 * moved).toBe(true); // 168 to 329 over seeds 1-20
  });

  it("leaves the other classes exactly where a run without the drop has them", () => {
    const others = (events: FeedbackEvent[]) => events.filter((ev) => ev.class !== "extraction");
    expect(others(run)).toEqual(others(control));
    expect(smallShare(run, "extraction", half + half / 2)).toBeLessThan(smallShare(control, "extraction", half + half / 2) - 0.8);
  });
});
