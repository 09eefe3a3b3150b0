import { describe, expect, it } from "vitest";
import { mulberry32 } from "../../harness/random";
import { UsageChunkFilter } from "./usage-chunk-filter";

const event = (payload: object) => `data: ${JSON.stringify(payload)}\n\n`;
const piece = (content: string) => event({ id: "c1", object: "chat.completion.chunk", choices: [{ index: 0, delta: { content }, finish_reason: null }], usage: null });
const USAGE = event({ id: "c1", object: "chat.completion.chunk", choices: [], usage: { prompt_tokens: 9, completion_tokens: 3, total_tokens: 12 } });
const BODY = piece("Grüße") + piece(" aus") + piece(" 東京") + event({ id: "c1", choices: [{ index: 0, delta: {}, finish_reason: "stop" }], usage: null });
const STREAM = BODY + USAGE + "data: [DONE]\n\n";
const WANTED = BODY + "data: [DONE]\n\n";

const enc = new TextEncoder();
const dec = new TextDecoder();

function run(parts: Uint8Array[]): string {
  const filter = new UsageChunkFilter();
  const out: Uint8Array[] = [];
  for (const part of parts) {
    const passed = filter.push(part);
    if (passed) out.push(passed);
  }
  const rest = filter.end();
  if (rest) out.push(rest);
  const bytes = new Uint8Array(out.reduce((n, c) => n + c.byteLength, 0));
  let at = 0;
  for (const c of out) {
    bytes.set(c, at);
    at += c.byteLength;
  }
  return dec.decode(bytes);
}

describe("UsageChunkFilter", () => {
  it("drops the usage-only event and keeps every other byte", () => {
    expect(run([enc.encode(STREAM)])).toBe(WANTED);
  });

  it("gives the same output however the stream is cut, inside multi-byte characters too", () => {
    const bytes = enc.encode(STREAM);
    for (let cut = 1; cut < bytes.length; cut++) expect(run([bytes.subarray(0, cut), bytes.subarray(cut)])).toBe(WANTED);
    const random = mulberry32(5);
    for (let round = 0; round < 30; round++) {
      const parts: Uint8Array[] = [];
      for (let i = 0; i < bytes.length; ) {
        const n = 1 + Math.floor(random() * 30);
        parts.push(bytes.subarray(i, i + n));
        i += n;
      }
      expect(run(parts)).toBe(WANTED);
    }
  });

  it("passes whole events through as the very same bytes", () => {
    const filter = new UsageChunkFilter();
    const chunk = enc.encode(piece("hello"));
    expect(filter.push(chunk)).toBe(chunk);
  });

  it("holds a partial event until it ends, and hands over a final one without its blank line", () => {
    const filter = new UsageChunkFilter();
    expect(filter.push(enc.encode('data: {"choices":[{"delta":{"content":"a"}}]}'))).toBeNull();
    expect(dec.decode(filter.push(enc.encode("\n\n"))!)).toBe('data: {"choices":[{"delta":{"content":"a"}}]}\n\n');
    filter.push(enc.encode("data: [DONE]"));
    expect(dec.decode(filter.end()!)).toBe("data: [DONE]");
  });

  it("handles CRLF streams and spaced JSON", () => {
    const usage = 'data: {"id": "c1", "choices": [ ], "usage": {"prompt_tokens": 1, "completion_tokens": 2}}\r\n\r\n';
    const text = 'data: {"choices": [{"text": "x"}]}\r\n\r\n';
    expect(run([enc.encode(text + usage + "data: [DONE]\r\n\r\n")])).toBe(text + "data: [DONE]\r\n\r\n");
  });

  it("keeps events that only mention usage as null or have choices", () => {
    expect(run([enc.encode(BODY)])).toBe(BODY);
  });
});

describe("UsageChunkFilter: what counts as a usage-only event", () => {
  it("judges by the event's own top-level fields, not by keys echoed from the client", () => {
    // A Responses event echoes the client's tools: their schemas are client-shaped JSON.
    const completed = event({ type: "response.completed", response: { tools: [{ type: "function", name: "f", parameters: { choices: [], usage: {} } }], usage: { input_tokens: 5, output_tokens: 2 } } });
    expect(run([enc.encode(completed + "data: [DONE]\n\n")])).toBe(completed + "data: [DONE]\n\n");
    const filter = new UsageChunkFilter();
    filter.push(enc.encode(completed.trimEnd()));
    expect(dec.decode(filter.end()!)).toBe(completed.trimEnd());
  });
});
