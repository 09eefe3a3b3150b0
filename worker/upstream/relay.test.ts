import { describe, expect, it } from "vitest";
import { relay, MAX_STREAM_BYTES, type StreamEnd } from "./relay";

// A hostile origin's stream: the relay holds at most one line and one event,
// relays at most MAX_STREAM_BYTES, and ends the client's stream with an error
// event (and stops reading the origin) when an origin goes past any of them.
const encoder = new TextEncoder();
const decoder = new TextDecoder();

/** An endless origin body: `piece(n)` is the n-th chunk; counts what was read and whether it was cancelled. */
function endless(piece: (n: number) => Uint8Array) {
  const state = { pulled: 0, cancelled: false };
  const body = new ReadableStream<Uint8Array>(
    {
      pull(c) {
        c.enqueue(piece(state.pulled++));
      },
      cancel() {
        state.cancelled = true;
      },
    },
    { highWaterMark: 0 },
  );
  return { body, state };
}

async function run(piece: (n: number) => Uint8Array, stripUsage = false) {
  const { body, state } = endless(piece);
  const reader = body.getReader();
  const first = (await reader.read()).value!;
  let end: StreamEnd | null = null;
  const out = relay(first, reader, { expectDone: true, stripUsage, onCancel: () => {}, onEnd: (e) => (end = e) });
  const text = decoder.decode(new Uint8Array(await new Response(out).arrayBuffer()));
  return { text, state, end: end as StreamEnd | null };
}

const lastEvent = (text: string) => JSON.parse(text.trimEnd().split("\n\n").at(-1)!.replace(/^data: /, "")) as { error: { code: string } };
const MIB = 1024 * 1024;

describe("relay: size limits on what an origin sends", () => {
  it("cuts one endless line off with an error event", async () => {
    const x = encoder.encode("x".repeat(64 * 1024));
    const { text, state, end } = await run((n) => (n === 0 ? encoder.encode('data: {"choices":"') : x));
    expect(lastEvent(text).error.code).toBe("stream_too_large");
    expect(state.cancelled).toBe(true);
    expect(state.pulled).toBeLessThan(100); // about 4 MiB of line, not the origin's whole output
    expect(end).toMatchObject({ ok: false, cancelled: false, tooLarge: true });
  });

  it("cuts an endless line arriving in small chunks off as readily as one in large chunks (held text is joined once, not per chunk)", async () => {
    const x = encoder.encode("x".repeat(1024));
    for (const stripUsage of [false, true]) {
      const { text, state } = await run((n) => (n === 0 ? encoder.encode('data: {"choices":"') : x), stripUsage);
      expect(lastEvent(text).error.code).toBe("stream_too_large");
      expect(state.pulled).toBeLessThan(4 * 1024 + 16);
    }
  });

  it("cuts one endless event (lines, never a blank one) off while usage is being taken out", async () => {
    const lines = encoder.encode('data: {"choices":[],"usage":{"prompt_tokens":1}}\n'.repeat(1000));
    const { text, state } = await run(() => lines, true);
    expect(lastEvent(text).error.code).toBe("stream_too_large");
    expect(state.cancelled).toBe(true);
    expect(state.pulled * lines.byteLength).toBeLessThan(6 * MIB);
  });

  it("cuts a stream of well-formed events off past MAX_STREAM_BYTES", async () => {
    const events = encoder.encode('data: {"choices":[{"delta":{"content":"hi"}}]}\n\n'.repeat(Math.ceil(MIB / 48)));
    const { text, state } = await run(() => events);
    expect(lastEvent(text).error.code).toBe("stream_too_large");
    expect(state.cancelled).toBe(true);
    expect(text.length).toBeLessThanOrEqual(MAX_STREAM_BYTES + 1024);
  });

  it("relays an ordinary stream untouched", async () => {
    const chunks = [encoder.encode('data: {"choices":[{"delta":{"content":"hi"}}]}\n\n'), encoder.encode("data: [DONE]\n\n")];
    const body = new ReadableStream<Uint8Array>({
      start(c) {
        for (const ch of chunks) c.enqueue(ch);
        c.close();
      },
    });
    const reader = body.getReader();
    const first = (await reader.read()).value!;
    let end: StreamEnd | null = null;
    const out = relay(first, reader, { expectDone: true, onCancel: () => {}, onEnd: (e) => (end = e) });
    expect(await new Response(out).text()).toBe(chunks.map((c) => decoder.decode(c)).join(""));
    expect(end).toMatchObject({ ok: true });
  });
});

describe("relay: whole events only", () => {
  /** Relays a finite origin body given as text chunks; the client's text and how it ended. */
  async function relayed(parts: string[], stripUsage = false) {
    const body = new ReadableStream<Uint8Array>({
      start(c) {
        for (const part of parts) c.enqueue(encoder.encode(part));
        c.close();
      },
    });
    const reader = body.getReader();
    const first = (await reader.read()).value!;
    let end: StreamEnd | null = null;
    const out = relay(first, reader, { expectDone: true, stripUsage, onCancel: () => {}, onEnd: (e) => (end = e) });
    return { text: await new Response(out).text(), end: end as StreamEnd | null };
  }
  const hi = 'data: {"choices":[{"delta":{"content":"hi"}}]}\n\n';

  it("drops an event the origin never finished, so the error event after it parses on its own", async () => {
    for (const stripUsage of [false, true]) {
      for (const tail of ['data: {"choices":[{', "data: [DONE]", '{"id":"not sse"}', "data: x\ndata: y\n"]) {
        const { text, end } = await relayed([hi, tail], stripUsage);
        const events = text.split("\n\n").filter(Boolean);
        expect(events, `${tail} stripUsage=${stripUsage}`).toEqual([hi.trimEnd(), expect.stringMatching(/^data: \{"error":/)]);
        expect(["stream_truncated", "stream_malformed"]).toContain(lastEvent(text).error.code);
        expect(end).toMatchObject({ ok: false });
      }
    }
  });

  it("holds an event split across chunks until it is whole", async () => {
    const { text, end } = await relayed([hi.slice(0, 10), hi.slice(10), "data: [DO", "NE]\n", "\n"]);
    expect(text).toBe(hi + "data: [DONE]\n\n");
    expect(end).toMatchObject({ ok: true });
  });
});

describe("relay: [DONE] ends the stream", () => {
  it("relays nothing an origin sends after [DONE], and stops reading it", async () => {
    const hi = 'data: {"choices":[{"delta":{"content":"hi"}}]}\n\n';
    const after = 'data: {"choices":[],"usage":{"prompt_tokens":1,"completion_tokens":999}}\n\n';
    for (const stripUsage of [false, true]) {
      for (const parts of [[hi, "data: [DONE]\n\n", after], [hi + "data:  [DONE]\r\n\r\n" + after + hi]]) {
        const { body, state } = endless((n) => encoder.encode(n < parts.length ? parts[n]! : hi));
        const reader = body.getReader();
        const first = (await reader.read()).value!;
        let end: StreamEnd | null = null;
        const out = relay(first, reader, { expectDone: true, stripUsage, onCancel: () => {}, onEnd: (e) => (end = e) });
        expect(await new Response(out).text()).toBe(hi + "data: [DONE]\n\n");
        expect(state.cancelled).toBe(true);
        expect(end).toMatchObject({ ok: true, outputTokens: 1 });
      }
    }
  });
});

describe("relay: an origin's error event", () => {
  it("ends the stream with an error event of ours, after the events before it, and none of the origin's text", async () => {
    const hi = 'data: {"choices":[{"delta":{"content":"hi"}}]}\n\n';
    const theirs = 'event: error\ndata: {"error":{"message":"quota of account acct-42 exceeded, key sk-upstream"}}\n\n';
    for (const parts of [[hi, theirs, hi], [hi + theirs + hi]]) {
      const { body, state } = endless((n) => encoder.encode(n < parts.length ? parts[n]! : hi));
      const reader = body.getReader();
      const first = (await reader.read()).value!;
      let end: StreamEnd | null = null;
      const text = await new Response(relay(first, reader, { expectDone: true, onCancel: () => {}, onEnd: (e) => (end = e) })).text();
      expect(text.startsWith(hi)).toBe(true);
      expect(text).not.toContain("acct-42");
      expect(lastEvent(text).error.code).toBe("origin_stream_error");
      expect(text.split("\n\n").filter(Boolean)).toHaveLength(2);
      expect(state.cancelled).toBe(true);
      expect(end).toMatchObject({ ok: false });
    }
  });
});
