import { describe, expect, it } from "vitest";
import { mulberry32 as prng } from "../../harness/random";
import { SseMeter } from "./sse-meter";

const chunk = (delta: object, extra: object = {}) => `data: ${JSON.stringify({ id: "c1", object: "chat.completion.chunk", choices: [{ index: 0, delta, finish_reason: null }], ...extra })}\n\n`;

/** An OpenAI chat stream: role, five content events (with multi-byte text), finish, usage, [DONE]. */
const WORDS = ["Grüße", " aus", " Zürich", " 🚀", " 東京"];
const STREAM =
  chunk({ role: "assistant", content: "" }) +
  WORDS.map((w) => chunk({ content: w })).join("") +
  `data: ${JSON.stringify({ id: "c1", choices: [{ index: 0, delta: {}, finish_reason: "stop" }] })}\n\n` +
  `data: ${JSON.stringify({ id: "c1", choices: [], usage: { prompt_tokens: 12, completion_tokens: 7, total_tokens: 19 } })}\n\n` +
  "data: [DONE]\n\n";
const BYTES = new TextEncoder().encode(STREAM);

function meter(parts: Uint8Array[]): SseMeter {
  const m = new SseMeter();
  for (const p of parts) m.push(p);
  return m;
}

const expectFullStream = (m: SseMeter) => {
  expect(m.events).toBe(8); // role + 5 content + finish + usage; [DONE] is not an event
  expect(m.done).toBe(true);
  expect(m.completionTokens).toBe(7);
  expect(m.promptTokens).toBe(12);
  expect(m.outputTokens()).toBe(7);
};

describe("SseMeter", () => {
  it("counts events, sees [DONE] and picks up usage from one chunk", () => {
    expectFullStream(meter([BYTES]));
  });

  it("gives the same answer when the stream is cut at any byte", () => {
    // Every cut point: mid-line, mid-"data:", mid-number, and inside every multi-byte character.
    expect(BYTES.length).toBeGreaterThan(STREAM.length); // there are multi-byte characters to cut through
    for (let cut = 1; cut < BYTES.length; cut++) expectFullStream(meter([BYTES.subarray(0, cut), BYTES.subarray(cut)]));
  });

  it("gives the same answer byte by byte and in random pieces", () => {
    expectFullStream(meter(Array.from(BYTES, (_, i) => BYTES.subarray(i, i + 1))));
    const random = prng(17);
    for (let run = 0; run < 50; run++) {
      const parts: Uint8Array[] = [];
      for (let i = 0; i < BYTES.length; ) {
        const n = 1 + Math.floor(random() * 40);
        parts.push(BYTES.subarray(i, i + n));
        i += n;
      }
      expectFullStream(meter(parts));
    }
  });

  it("does not count an event before its line is complete", () => {
    const m = new SseMeter();
    const enc = new TextEncoder();
    m.push(enc.encode('data: {"choices":[{"delta":{"content":"Zür'));
    expect(m.events).toBe(0);
    m.push(enc.encode('ich"}}]}\n'));
    expect(m.events).toBe(1);
    m.push(enc.encode("\ndata: [DO"));
    expect(m.done).toBe(false);
    m.push(enc.encode("NE]\n\n"));
    expect(m.done).toBe(true);
    expect(m.events).toBe(1);
  });

  it("falls back to one token per content event without usage", () => {
    const noUsage =
      chunk({ role: "assistant", content: "" }) +
      WORDS.map((w) => chunk({ content: w }, { usage: null })).join("") +
      `data: ${JSON.stringify({ choices: [{ index: 0, delta: {}, finish_reason: "stop" }] })}\n\n`;
    const m = meter([new TextEncoder().encode(noUsage)]);
    expect(m.events).toBe(7);
    expect(m.completionTokens).toBeNull(); // "usage": null is not a usage block
    expect(m.promptTokens).toBeNull();
    expect(m.outputTokens()).toBe(5);
    expect(m.done).toBe(false); // no [DONE]: the stream was cut
    expect(new SseMeter().outputTokens()).toBe(0);
  });

  it("ignores comments, other fields and blank lines; accepts CRLF and data without a space", () => {
    const text = ": keep-alive\r\nevent: message\r\nid: 4\r\nretry: 100\r\n\r\ndata:" + JSON.stringify({ choices: [{ delta: { content: "hi" } }] }) + "\r\n\r\ndata: [DONE]\r\n\r\n";
    const m = meter([new TextEncoder().encode(text)]);
    expect(m.events).toBe(1);
    expect(m.done).toBe(true);
  });

  it("counts content events (not the role or finish chunk) and notices an error event", () => {
    const m = meter([BYTES]);
    expect(m.contentEvents).toBe(5);
    expect(m.failed).toBe(false);
    const broken = meter([new TextEncoder().encode(chunk({ content: "a" }) + 'data: {"error":{"message":"cut","type":"upstream_error","code":"stream_interrupted"}}\n\n')]);
    expect(broken.failed).toBe(true);
    expect(broken.contentEvents).toBe(1);
  });

  it("reads the Responses API's usage from response.completed", () => {
    const text =
      'event: response.output_text.delta\ndata: {"type":"response.output_text.delta","delta":"Hi"}\n\n' +
      'event: response.completed\ndata: {"type":"response.completed","response":{"usage":{"input_tokens":11,"input_tokens_details":{"cached_tokens":0},"output_tokens":4,"output_tokens_details":{"reasoning_tokens":0},"total_tokens":15}}}\n\n';
    const m = meter([new TextEncoder().encode(text)]);
    expect(m.promptTokens).toBe(11);
    expect(m.outputTokens()).toBe(4);
  });

  it("reads usage however the JSON is spaced", () => {
    // Python's json.dumps (common in hand-written OpenAI-compatible servers) puts a space after ':'.
    const spaced = 'data: {"id": "c1", "choices": [], "usage": {"prompt_tokens": 30, "completion_tokens": 42, "total_tokens": 72}}\n\ndata: [DONE]\n\n';
    const m = meter([new TextEncoder().encode(spaced)]);
    expect(m.completionTokens).toBe(42);
    expect(m.promptTokens).toBe(30);
    expect(m.outputTokens()).toBe(42);
  });
});

describe("SseMeter: usage by its JSON path", () => {
  const enc = new TextEncoder();
  const meterOf = (events: object[]) => meter([enc.encode(events.map((e) => `data: ${JSON.stringify(e)}\n\n`).join(""))]);

  it("reads a Responses event's response.usage, not usage-shaped keys in the echoed tools", () => {
    const tools = [{ type: "function", name: "f", parameters: { input_tokens: 0, output_tokens: 0, usage: { input_tokens: 1, output_tokens: 1 } } }];
    const m = meterOf([{ type: "response.completed", response: { id: "r", tools, usage: { input_tokens: 31, output_tokens: 17, total_tokens: 48 } } }]);
    expect([m.promptTokens, m.completionTokens]).toEqual([31, 17]);
  });

  it("reads a chat event's top-level usage, not keys inside its content or choices", () => {
    const m = meterOf([{ choices: [{ index: 0, delta: { tool_calls: [{ function: { arguments: '{"completion_tokens": 0}' } }] }, usage: { completion_tokens: 0 } }], usage: { prompt_tokens: 9, completion_tokens: 4 } }]);
    expect([m.promptTokens, m.completionTokens]).toEqual([9, 4]);
  });

  it("ignores counts that are not non-negative integers, and events that are not JSON", () => {
    const m = meterOf([{ usage: { prompt_tokens: -3, completion_tokens: 1e300 } }]);
    expect([m.promptTokens, m.completionTokens]).toEqual([null, null]);
    m.push(enc.encode('data: {"usage": {"prompt_tokens": 5, "completion_tokens": 6\n\n'));
    expect([m.promptTokens, m.completionTokens]).toEqual([null, null]);
  });
});
