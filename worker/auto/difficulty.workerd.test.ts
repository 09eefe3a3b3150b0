import { describe, expect, it } from "vitest";
import { fingerprint } from "../cache/embedder";
import { compileDifficulty, difficultyShift, MAX_SHIFT, shiftedQuality, smallModelLogit, type DifficultySpec } from "./difficulty";
import { DEFAULT_DIFFICULTY } from "./difficulty-model";
import shipped from "./difficulty.json";
import { FEATURE_DIMS, FEATURE_VERSION, promptFeatures } from "./features";
import { PROMPT_CLASSES } from "../vocabulary/prompt-classes";

const ONE_PROMPT = { depth: 1, maxTokens: null, tools: false };
const features = (text: string) => promptFeatures(fingerprint(text), ONE_PROMPT, new Float32Array(FEATURE_DIMS));
const perClass = (v: number) => Object.fromEntries(PROMPT_CLASSES.map((c) => [c, v])) as Record<(typeof PROMPT_CLASSES)[number], number>;
const spec = (over: Partial<DifficultySpec> = {}): DifficultySpec => ({
  feature_version: FEATURE_VERSION,
  weights: new Array<number>(FEATURE_DIMS + PROMPT_CLASSES.length).fill(0),
  bias: 0,
  class_logit: perClass(0),
  class_prior: perClass(0.5),
  ...over,
});

describe("compileDifficulty", () => {
  it("compiles the shipped model, trained for this feature version", () => {
    expect(shipped.feature_version).toBe(FEATURE_VERSION);
    expect(DEFAULT_DIFFICULTY.weights).toHaveLength(FEATURE_DIMS + PROMPT_CLASSES.length);
    for (const c of PROMPT_CLASSES) expect(DEFAULT_DIFFICULTY.classPrior[c]).toBeGreaterThan(0.3);
  });

  it("names what is wrong with a bad model", () => {
    expect(() => compileDifficulty(spec({ feature_version: 0 }))).toThrow(/feature version 0/);
    expect(() => compileDifficulty(spec({ weights: [1, 2] }))).toThrow(/need \d+ weights/);
    expect(() => compileDifficulty(spec({ bias: Number.NaN }))).toThrow(/finite/);
    expect(() => compileDifficulty(spec({ class_prior: { ...perClass(0.5), math: 1 } }))).toThrow(/class math/);
    expect(() => compileDifficulty(spec({ class_logit: JSON.parse('{"__proto__":{"chat":1}}') }))).toThrow(/class chat/);
  });
});

describe("difficultyShift", () => {
  it("is the logit's distance from the class mean, bounded", () => {
    const m = compileDifficulty(spec({ bias: 1, class_logit: { ...perClass(0), chat: 0.25 } }));
    const x = features("hello there");
    expect(smallModelLogit(x, "chat", m)).toBeCloseTo(1, 6);
    expect(difficultyShift(x, "chat", m)).toBeCloseTo(0.75, 6);
    expect(difficultyShift(x, "math", compileDifficulty(spec({ bias: 50 })))).toBe(MAX_SHIFT);
    expect(difficultyShift(x, "math", compileDifficulty(spec({ bias: -50 })))).toBe(-MAX_SHIFT);
  });

  it("finds a greeting easier for the small model than a hard coding task, in the shipped model", () => {
    const easy = difficultyShift(features("hey! how's your day going?"), "chat", DEFAULT_DIFFICULTY);
    const hard = difficultyShift(features("Write a thread-safe LRU cache in Go with per-entry TTL, using generics, and explain the locking strategy."), "coding", DEFAULT_DIFFICULTY);
    expect(easy).toBeGreaterThan(0);
    expect(hard).toBeLessThan(0);
  });
});

describe("shiftedQuality", () => {
  it("moves a seed in log-odds, leaving it alone for no shift or a bad one", () => {
    expect(shiftedQuality(0.5, Math.log(3))).toBeCloseTo(0.75, 9);
    expect(shiftedQuality(0.75, -Math.log(3))).toBeCloseTo(0.5, 9);
    expect(shiftedQuality(0.7, 0)).toBe(0.7);
    expect(shiftedQuality(0.7, Number.NaN)).toBe(0.7);
    expect(shiftedQuality(1, -1)).toBeLessThan(1);
    expect(shiftedQuality(0, 1)).toBeGreaterThan(0);
  });
});
