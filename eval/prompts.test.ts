import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { PROMPT_CLASSES } from "../worker/vocabulary/prompt-classes";
import { parseLabelledPrompts } from "./lib/prompts";

describe("parseLabelledPrompts", () => {
  it("reads classes, prompts and the optional good-enough tier", () => {
    const { prompts, errors } = parseLabelledPrompts(
      ['{"class":"chat","prompt":"hi"}', "", '{"class":"math","prompt":"2+2?","good_enough":"small","why":"one step"}'].join("\n"),
    );
    expect(errors).toEqual([]);
    expect(prompts).toEqual([
      { class: "chat", prompt: "hi", goodEnough: null },
      { class: "math", prompt: "2+2?", goodEnough: "small" },
    ]);
  });

  it("reports malformed lines by number and keeps the rest", () => {
    const { prompts, errors } = parseLabelledPrompts(
      ['{"class":"poetry","prompt":"x"}', "nope", '{"class":"chat"}', '{"class":"chat","prompt":"x","good_enough":"medium"}', "[1]", '{"class":"other","prompt":"ok"}'].join("\n"),
    );
    expect(prompts).toHaveLength(1);
    expect(errors).toEqual([
      'line 1: unknown class "poetry"',
      "line 2: not JSON",
      'line 3: "prompt" must be a non-empty string',
      'line 4: "good_enough" must be "small" or "large"',
      "line 5: not an object",
    ]);
  });

  it("parses the shipped sets cleanly, every class present", () => {
    for (const [file, size] of [
      ["data/prompts/classes.jsonl", 455],
      ["eval/auto-prompts.jsonl", 240],
    ] as const) {
      const { prompts, errors } = parseLabelledPrompts(readFileSync(new URL(`../${file}`, import.meta.url), "utf8"));
      expect(errors).toEqual([]);
      expect(prompts).toHaveLength(size);
      expect(new Set(prompts.map((p) => p.class))).toEqual(new Set(PROMPT_CLASSES));
    }
  });
});
