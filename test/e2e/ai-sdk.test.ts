import { createOpenAICompatible } from "@ai-sdk/openai-compatible";
import { generateText, streamText } from "ai";
import { describe, expect, inject, it } from "vitest";

const dev = inject("dev");
const meridian = createOpenAICompatible({ name: "meridian", baseURL: `${dev.url}/v1`, apiKey: dev.demoKey, includeUsage: true });

describe("the AI SDK's OpenAI-compatible provider through npm run dev", () => {
  it("generates text", async () => {
    const result = await generateText({ model: meridian("llama-8b"), prompt: "Write one sentence about the sea.", maxRetries: 0 });
    expect(result.text.length).toBeGreaterThan(10);
    expect(result.usage.outputTokens).toBeGreaterThan(0);
  });

  it("streams text", async () => {
    const result = streamText({ model: meridian("llama-1.5b"), prompt: "Count the stars.", maxRetries: 0 });
    const parts: string[] = [];
    for await (const part of result.textStream) parts.push(part);
    expect(parts.length).toBeGreaterThan(3);
    expect((await result.usage).outputTokens).toBe(parts.filter((p) => p.length > 0).length);
  });
});
