import { describe, expect, it } from "vitest";
import { answerSignals, DEFAULT_ESCALATION, escalationReason, looksLikeRefusal, type AnswerSignals } from "./escalate";

const chat = (content: unknown, finish = "stop", logprobs: unknown = null, extra: Record<string, unknown> = {}) => ({
  object: "chat.completion",
  choices: [{ index: 0, message: { role: "assistant", content, ...extra }, logprobs, finish_reason: finish }],
});
const signals = (over: Partial<AnswerSignals>): AnswerSignals => ({ text: "Paris is the capital of France.", finishReason: "stop", meanLogprob: null, toolCalls: false, ...over });
const WITH_CUT = { on: true, minMeanLogprob: -1.5 };

describe("answerSignals", () => {
  it("reads a chat completion's text, finish reason and mean log-probability", () => {
    const s = answerSignals(chat("Hi.", "stop", { content: [{ token: "Hi", logprob: -0.5 }, { token: ".", logprob: -1.5 }] }));
    expect(s).toEqual({ text: "Hi.", finishReason: "stop", meanLogprob: -1, toolCalls: false });
  });

  it("reads a text completion's token_logprobs, skipping non-numbers", () => {
    const s = answerSignals({ choices: [{ text: "4", finish_reason: "length", logprobs: { token_logprobs: [null, -2, "x", -4] } }] });
    expect(s).toEqual({ text: "4", finishReason: "length", meanLogprob: -3, toolCalls: false });
  });

  it("notes tool calls and returns null for what is not a completion", () => {
    expect(answerSignals(chat(null, "tool_calls", null, { tool_calls: [{ id: "c" }] }))?.toolCalls).toBe(true);
    for (const bad of [null, "text", [], {}, { choices: [] }, { choices: ["x"] }, JSON.parse('{"__proto__":{"choices":[{}]}}')]) expect(answerSignals(bad)).toBeNull();
  });

  it("ignores hostile log-probabilities (NaN, Infinity, positive)", () => {
    expect(answerSignals(chat("a", "stop", { content: [{ logprob: Number.NaN }, { logprob: 5 }, { logprob: -Infinity }] }))?.meanLogprob).toBeNull();
  });
});

describe("looksLikeRefusal", () => {
  it.each([
    "I'm sorry, but I can't help with that.",
    "I’m sorry, but as an AI I cannot provide medical advice.",
    "Sorry, I cannot assist with this request.",
    "I cannot help with that request.",
    "Unfortunately, I am unable to provide that information.",
    "As an AI language model, I cannot browse the internet.",
    "I must decline to answer.",
  ])("flags %j", (text) => expect(looksLikeRefusal(text)).toBe(true));

  it.each([
    "Sure! Here is the function you asked for.",
    "I'm sorry to hear about your loss. Here are some ideas that may help.",
    "The answer is 42. I can't stress enough how simple this is.",
    "You cannot divide by zero, so the expression is undefined.",
  ])("does not flag %j", (text) => expect(looksLikeRefusal(text)).toBe(false));
});

describe("escalationReason", () => {
  it("passes a plain good answer", () => expect(escalationReason(signals({}), DEFAULT_ESCALATION, false)).toBeNull());

  it("escalates refusals and empty answers, but not tool calls without text", () => {
    expect(escalationReason(signals({ text: "I'm sorry, but I can't do that." }), DEFAULT_ESCALATION, false)).toBe("refusal");
    expect(escalationReason(signals({ text: "  " }), DEFAULT_ESCALATION, false)).toBe("empty");
    expect(escalationReason(signals({ text: "", toolCalls: true, finishReason: "tool_calls" }), DEFAULT_ESCALATION, false)).toBeNull();
  });

  it("escalates truncation only when the client set no cap", () => {
    expect(escalationReason(signals({ finishReason: "length" }), DEFAULT_ESCALATION, false)).toBe("truncated");
    expect(escalationReason(signals({ finishReason: "length" }), DEFAULT_ESCALATION, true)).toBeNull();
  });

  it("uses the log-probability cut only when set and only when logprobs came back", () => {
    expect(escalationReason(signals({ meanLogprob: -3 }), DEFAULT_ESCALATION, false)).toBeNull();
    expect(escalationReason(signals({ meanLogprob: -3 }), WITH_CUT, false)).toBe("low_logprob");
    expect(escalationReason(signals({ meanLogprob: -1 }), WITH_CUT, false)).toBeNull();
    expect(escalationReason(signals({ meanLogprob: null }), WITH_CUT, false)).toBeNull();
  });

  it("does nothing when off", () => {
    expect(escalationReason(signals({ text: "" }), { on: false, minMeanLogprob: -1 }, false)).toBeNull();
  });
});
