import { describe, expect, it } from "vitest";
import { jsonEntry, sseEntry } from "./entry";
import { fingerprintPass } from "./embedder";
import { answerText, compareAnswers as compareWith, deterministic } from "./shadow-compare";

const compareAnswers = (a: string, b: string) => compareWith(a, b, fingerprintPass);

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
    expect(compareAnswers("The capital of France is Paris.", "The capital of France is  Paris.\n")).toEqual({ outcome: "agree", compared: "exact", similarity: 1 });
  });

  it("agrees on the same answer in other words", () => {
    const v = compareAnswers(
      "Photosynthesis is the process by which plants use sunlight, water and carbon dioxide to make glucose and release oxygen.",
      "Plants use sunlight, water and carbon dioxide to make glucose and release oxygen: this process is called photosynthesis.",
    );
    expect(v).toMatchObject({ outcome: "agree", compared: "embedding" });
  });

  it("disagrees on answers about different things", () => {
    expect(compareAnswers("Photosynthesis turns light into chemical energy in plants.", "Tax returns are due on the fifteenth of April.").outcome).toBe("disagree");
  });

  it("is unsure, not wrong, between clearly apart and clearly together", () => {
    expect(compareAnswers("The capital of France is Paris.", "The capital of Germany is Berlin.").outcome).not.toBe("agree");
    expect(compareAnswers("", "Paris.").outcome).toBe("unsure");
  });

  it("asks a deterministic request for identical text", () => {
    expect(compareWith("Paris is the capital.", "The capital is Paris.", fingerprintPass, true)).toEqual({ outcome: "disagree", compared: "exact", similarity: 0 });
    expect(compareWith("Paris.", " Paris. ", fingerprintPass, true).outcome).toBe("agree");
  });
});

describe("deterministic", () => {
  it("means greedy with a fixed seed", () => {
    expect(deterministic({ temperature: 0, seed: 7 })).toBe(true);
    expect(deterministic({ top_k: 1, temperature: 0.7, seed: 1 })).toBe(true);
    expect(deterministic({ temperature: 0 })).toBe(false);
    expect(deterministic({ temperature: 0, seed: 1.5 })).toBe(false);
    expect(deterministic({ temperature: 0, seed: "7" })).toBe(false);
    expect(deterministic({ temperature: 0.2, seed: 7 })).toBe(false);
  });
});
