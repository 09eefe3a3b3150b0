import { describe, expect, it } from "vitest";
import { jsonEntry } from "./entry";
import { judge, sampled } from "./shadow";

const body = (content: string) =>
  JSON.stringify({ object: "chat.completion", choices: [{ index: 0, message: { role: "assistant", content }, finish_reason: "stop" }], usage: { prompt_tokens: 12, completion_tokens: 5 } });
const cached = jsonEntry(body("The capital of France is Paris."));

describe("sampled", () => {
  it("takes the share asked for, and nothing for hostile shares", () => {
    expect(sampled(0.01, 0.005)).toBe(true);
    expect(sampled(0.01, 0.5)).toBe(false);
    expect(sampled(1, 0.999)).toBe(true);
    expect(sampled(0, 0)).toBe(false);
    expect(sampled(Number.NaN, 0)).toBe(false);
    expect(sampled(Number.POSITIVE_INFINITY, 0)).toBe(false);
  });
});

describe("judge", () => {
  it("compares the origin's answer with the cached one and reads its usage", async () => {
    expect(await judge(cached, new Response(body("The capital of France is Paris.")), false, true)).toMatchObject({
      verdict: { outcome: "agree", compared: "exact", similarity: 1 },
      input_tokens: 12,
      output_tokens: 5,
      entry: { form: "json" },
    });
    const wrong = await judge(cached, new Response(body("The capital of France is Paris, of course.")), false, true, true);
    expect(wrong?.verdict?.outcome).toBe("disagree");
  });

  it("reads a streamed answer", async () => {
    const sse = [
      `data: {"object":"chat.completion.chunk","choices":[{"index":0,"delta":{"role":"assistant","content":"The capital of France"}}]}`,
      `data: {"object":"chat.completion.chunk","choices":[{"index":0,"delta":{"content":" is Paris."},"finish_reason":"stop"}]}`,
      `data: {"object":"chat.completion.chunk","choices":[],"usage":{"prompt_tokens":3,"completion_tokens":4}}`,
      "data: [DONE]",
      "",
    ].join("\n\n");
    expect(await judge(cached, new Response(sse), true, true)).toMatchObject({ verdict: { outcome: "agree" }, input_tokens: 3, output_tokens: 4 });
  });

  it("gives no verdict for another model's answer, and nothing for a failed call", async () => {
    expect(await judge(cached, new Response(body("Berlin.")), false, false)).toMatchObject({ verdict: null, output_tokens: 5 });
    expect(await judge(cached, new Response("{}", { status: 502 }), false, true)).toBeNull();
    expect(await judge(cached, new Response("data: [DONE]\n\n"), true, true)).toBeNull();
  });
});
