import { describe, expect, it } from "vitest";
import { ApiError } from "../http/errors";
import { chatCompletionRequest, embeddingRequest } from "./openai";
import { parseOrThrow } from "./validate";

function message(fn: () => unknown): string {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(ApiError);
    expect((err as ApiError).status).toBe(400);
    return err instanceof Error ? err.message : "";
  }
  throw new Error("expected a validation error");
}

describe("chat completion schema", () => {
  const valid = { model: "m", messages: [{ role: "user", content: "hi" }] };

  it("keeps unknown fields for the origin", () => {
    const parsed = parseOrThrow(chatCompletionRequest, { ...valid, logit_bias: { "1": 2 }, vendor_extension: { x: 1 } });
    expect(parsed).toMatchObject({ logit_bias: { "1": 2 }, vendor_extension: { x: 1 } });
  });

  it("names the offending field", () => {
    expect(message(() => parseOrThrow(chatCompletionRequest, { ...valid, model: 3 }))).toMatch(/body\.model/);
    expect(message(() => parseOrThrow(chatCompletionRequest, { model: "m", messages: [{ role: "user" }, { content: "x" }] }))).toMatch(/messages\[1\]\.role/);
    expect(message(() => parseOrThrow(chatCompletionRequest, { ...valid, temperature: 9 }))).toMatch(/temperature/);
    expect(message(() => parseOrThrow(chatCompletionRequest, { ...valid, max_tokens: -1 }))).toMatch(/max_tokens/);
    expect(message(() => parseOrThrow(chatCompletionRequest, { ...valid, messages: [] }))).toMatch(/messages/);
    expect(message(() => parseOrThrow(chatCompletionRequest, [1, 2]))).toMatch(/Invalid body/);
  });

  it("accepts content parts and null content", () => {
    expect(() =>
      parseOrThrow(chatCompletionRequest, { model: "m", messages: [{ role: "user", content: [{ type: "text", text: "a" }] }, { role: "assistant", content: null }] }),
    ).not.toThrow();
  });
});

describe("embedding schema", () => {
  it("accepts strings and token arrays, rejects other shapes", () => {
    expect(() => parseOrThrow(embeddingRequest, { model: "e", input: ["a", "b"] })).not.toThrow();
    expect(() => parseOrThrow(embeddingRequest, { model: "e", input: [[1, 2]] })).not.toThrow();
    expect(message(() => parseOrThrow(embeddingRequest, { model: "e", input: { a: 1 } }))).toMatch(/input/);
  });
});
