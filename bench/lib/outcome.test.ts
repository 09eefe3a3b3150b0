import { describe, expect, it } from "vitest";
import { classify, malformedFrames, sseData } from "./outcome";

const chunk = (text: string) => `data: ${JSON.stringify({ choices: [{ delta: { content: text } }] })}\n\n`;
const errorEvent = `data: ${JSON.stringify({ error: { message: "origin broke off", type: "server_error", code: "upstream_error" } })}\n\n`;

describe("classify", () => {
  it("accepts a JSON completion and a stream ending in [DONE]", () => {
    expect(classify({ status: 200, stream: false, body: `{"choices":[]}` })).toBe("ok");
    expect(classify({ status: 200, stream: true, body: chunk("a") + chunk("b") + "data: [DONE]\n\n" })).toBe("ok");
  });

  it("calls an OpenAI-shaped error status clean and anything else silent", () => {
    expect(classify({ status: 502, stream: false, body: `{"error":{"message":"no origin","type":"x","code":"y"}}` })).toBe("clean_error");
    expect(classify({ status: 502, stream: true, body: "Bad Gateway" })).toBe("silent");
    expect(classify({ status: 0, stream: false, body: "", transportError: "ECONNRESET" })).toBe("silent");
  });

  it("calls a stream ending in an error event broken, and one that just stops silent", () => {
    expect(classify({ status: 200, stream: true, body: chunk("a") + errorEvent })).toBe("broken_stream");
    expect(classify({ status: 200, stream: true, body: chunk("a") + chunk("b") })).toBe("silent");
    expect(classify({ status: 200, stream: true, body: chunk("a") + chunk("b"), transportError: "aborted" })).toBe("silent");
  });

  it("calls malformed frames or a non-JSON 200 body silent", () => {
    expect(classify({ status: 200, stream: true, body: chunk("a") + "data: {not json\n\n" + "data: [DONE]\n\n" })).toBe("silent");
    expect(classify({ status: 200, stream: false, body: `{"choices":[` })).toBe("silent");
  });

  it("calls a stream with a bad frame that ends in an error event broken, and counts the bad frame", () => {
    const body = chunk("a") + "data: {not json\n\n" + errorEvent;
    expect(classify({ status: 200, stream: true, body })).toBe("broken_stream");
    expect(malformedFrames(body)).toBe(1);
    expect(malformedFrames(chunk("a") + errorEvent)).toBe(0);
  });
});

describe("sseData", () => {
  it("joins multi-line data and drops an unterminated tail", () => {
    expect(sseData("data: a\ndata: b\n\n: comment\n\ndata: c")).toEqual(["a\nb"]);
  });
});
