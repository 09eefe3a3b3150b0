import { describe, expect, it } from "vitest";
import { answerText, estimatePromptTokens, estimateTextTokens, reportedUsage } from "./tokens";

describe("estimatePromptTokens", () => {
  it("counts chat messages' text plus a few tokens of framing each", () => {
    const body = { model: "m", messages: [{ role: "system", content: "Be terse." }, { role: "user", content: "What is 2+2?" }] };
    // "system" + "Be terse." + "user" + "What is 2+2?" = 6 + 9 + 4 + 12 = 31 chars -> 8 tokens, + 2 * 4
    expect(estimatePromptTokens(body)).toBe(16);
  });

  it("reads completions prompts, embeddings input (token ids count one each) and Responses input", () => {
    expect(estimatePromptTokens({ model: "m", prompt: "abcdefgh" })).toBe(2);
    expect(estimatePromptTokens({ model: "m", prompt: ["abcd", "efgh"] })).toBe(2);
    expect(estimatePromptTokens({ model: "m", input: [1, 2, 3, 4, 5] })).toBe(5);
    expect(estimatePromptTokens({ model: "m", input: "abcd", instructions: "efgh" })).toBe(2);
    expect(estimatePromptTokens({ model: "m" })).toBe(0);
  });

  it("counts inside any depth of nesting without overflowing the stack", () => {
    let input: unknown = ["abcd", 7];
    for (let i = 0; i < 100_000; i++) input = i % 2 ? [input] : { part: input };
    expect(estimatePromptTokens({ model: "m", input })).toBe(2);
  });
});

describe("reportedUsage", () => {
  it("reads chat/completions and Responses API usage", () => {
    expect(reportedUsage({ usage: { prompt_tokens: 12, completion_tokens: 30, total_tokens: 42 } })).toEqual({ input: 12, output: 30 });
    expect(reportedUsage({ usage: { input_tokens: 5, output_tokens: 7, total_tokens: 12 } })).toEqual({ input: 5, output: 7 });
  });

  it("counts nothing generated for embeddings", () => {
    expect(reportedUsage({ object: "list", usage: { prompt_tokens: 3, total_tokens: 3 } })).toEqual({ input: 3, output: 0 });
  });

  it("is unknown without a usage block or with nonsense in it", () => {
    expect(reportedUsage({ choices: [] })).toEqual({ input: null, output: null });
    expect(reportedUsage({ usage: null })).toEqual({ input: null, output: null });
    expect(reportedUsage(null)).toEqual({ input: null, output: null });
    expect(reportedUsage({ usage: { prompt_tokens: "x", completion_tokens: -1 } })).toEqual({ input: null, output: null });
  });
});

describe("answerText", () => {
  it("collects generated text from chat, completions and Responses answers", () => {
    expect(answerText({ choices: [{ message: { role: "assistant", content: "Hello" } }, { message: { content: " there" } }] })).toBe("Hello there");
    expect(answerText({ choices: [{ text: "abc" }] })).toBe("abc");
    expect(answerText({ output: [{ type: "message", content: [{ type: "output_text", text: "xyz" }] }] })).toBe("xyz");
    expect(answerText({ output_text: "direct" })).toBe("direct");
    expect(estimateTextTokens("12345678")).toBe(2);
  });
});
