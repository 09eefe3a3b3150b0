import { describe, expect, it } from "vitest";
import { jsonEntry, sseEntry } from "./entry";
import { answerText, compareAnswers } from "./shadow-compare";

const chat = (content: string) => jsonEntry(JSON.stringify({ object: "chat.completion", choices: [{ index: 0, message: { role: "assistant", content }, finish_reason: "stop" }] }));

describe("answerText", () => {
  it("reads chat, completion and streamed answers", () => {
    expect(answerText(chat("Paris."))).toBe("Paris.");
    expect(answerText(jsonEntry(JSON.stringify({ object: "text_completion", choices: [{ index: 0, text: "four" }] })))).toBe("four");
    const sse = sseEntry(
      [
        `data: {"object":"chat.completion.chunk","choices":[{"index":0,"delta":{"role":"assistant","content":"Hel"}}]}`,
        `data: {"object":"chat.completion.chunk","choices":[{"index":0,"delta":{"content":"lo"},"finish_reason":"stop"}]}`,
        "data: [DONE]",
        "",
      ].join("\n\n"),
    )!;
    expect(answerText(sse)).toBe("Hello");
  });
  it("is null for answers without choices or not JSON", () => {
    expect(answerText(jsonEntry(`{"choices":[]}`))).toBeNull();
    expect(answerText(jsonEntry(`{"__proto__":{"choices":[1]}}`))).toBeNull();
    expect(answerText(jsonEntry("not json"))).toBeNull();
  });
});

describe("compareAnswers", () => {
  it("agrees on identical text, whitespace aside", () => {
    expect(compareAnswers("The capital of France is Paris.", "The capital of France is  Paris.\n")).toEqual({ agree: true, compared: "exact", similarity: 1 });
  });

  it("agrees on the same answer in other words", () => {
    const v = compareAnswers(
      "Photosynthesis is the process by which plants use sunlight, water and carbon dioxide to make glucose and release oxygen.",
      "Plants use sunlight, water and carbon dioxide to make glucose and release oxygen: this process is called photosynthesis.",
    );
    expect(v.compared).toBe("embedding");
    expect(v.agree).toBe(true);
  });

  it("disagrees on answers about different things, or with other numbers or names", () => {
    expect(compareAnswers("The capital of France is Paris.", "The capital of Germany is Berlin.").agree).toBe(false);
    expect(compareAnswers("Use list.reverse() in Python to reverse a list in place.", "In Rust, call v.reverse() on a Vec to reverse it in place.").agree).toBe(false);
    expect(compareAnswers("Photosynthesis turns light into chemical energy in plants.", "A black hole is a region of spacetime where gravity is so strong nothing escapes.").agree).toBe(false);
  });

  it("disagrees when either answer has no words it knows", () => {
    expect(compareAnswers("", "Paris.").agree).toBe(false);
  });
});
