import { describe, expect, it } from "vitest";
import type { SseMeter } from "../upstream/sse-meter";
import { tapStream, type StreamEnding } from "./stream-tap";

const enc = new TextEncoder();
const piece = (content: string) => `data: {"choices":[{"index":0,"delta":{"content":"${content}"}}],"usage":null}\n\n`;
const USAGE = 'data: {"choices":[],"usage":{"prompt_tokens":7,"completion_tokens":3,"total_tokens":10}}\n\n';
const FULL = [piece("a"), piece("b"), piece("c"), USAGE, "data: [DONE]\n\n"];

/** A source that hands out the given events one per read, then ends (or breaks). */
function source(events: string[], breakAtEnd = false): ReadableStream<Uint8Array> {
  let i = 0;
  return new ReadableStream<Uint8Array>({
    pull(controller) {
      if (i < events.length) controller.enqueue(enc.encode(events[i++]!));
      else if (breakAtEnd) controller.error(new Error("origin went away"));
      else controller.close();
    },
  });
}

function tapped(events: string[], strip: boolean, breakAtEnd = false) {
  const seen: { meter?: SseMeter; ending?: StreamEnding } = {};
  const stream = tapStream(source(events, breakAtEnd), strip, (meter, ending) => Object.assign(seen, { meter, ending }));
  return { stream, seen };
}

describe("tapStream", () => {
  it("meters a complete stream from its usage event and passes it on whole", async () => {
    const { stream, seen } = tapped(FULL, false);
    expect(await new Response(stream).text()).toBe(FULL.join(""));
    expect(seen.ending).toBe("complete");
    expect(seen.meter!.promptTokens).toBe(7);
    expect(seen.meter!.outputTokens()).toBe(3);
  });

  it("takes the usage event out for a client that did not ask, still metering it", async () => {
    const { stream, seen } = tapped(FULL, true);
    expect(await new Response(stream).text()).toBe(FULL.filter((e) => e !== USAGE).join(""));
    expect(seen.meter!.outputTokens()).toBe(3);
  });

  it("reports a cancelled stream with what was delivered before", async () => {
    const { stream, seen } = tapped([...Array.from({ length: 50 }, (_, i) => piece(`t${i}`)), "data: [DONE]\n\n"], true);
    const reader = stream.getReader();
    for (let i = 0; i < 4; i++) await reader.read();
    await reader.cancel();
    expect(seen.ending).toBe("cancelled");
    expect(seen.meter!.contentEvents).toBe(4);
    expect(seen.meter!.outputTokens()).toBe(4);
  });

  it("reports a broken stream as failed", async () => {
    const { stream, seen } = tapped([piece("a")], false, true);
    await expect(new Response(stream).text()).rejects.toThrow();
    expect(seen.ending).toBe("failed");
    expect(seen.meter!.contentEvents).toBe(1);
  });

  it("reports a stream that carried an error event as failed", async () => {
    const { stream, seen } = tapped(['data: {"error":{"message":"cut","type":"upstream_error","code":"stream_interrupted"}}\n\n'], false);
    await new Response(stream).text();
    expect(seen.ending).toBe("failed");
    expect(seen.meter!.contentEvents).toBe(0);
  });
});
