import { describe, expect, it } from "vitest";
import { EventFramer, MAX_HELD_EVENT_BYTES } from "./event-framer";

const enc = new TextEncoder();
const dec = new TextDecoder();
const text = (b: Uint8Array | null) => (b ? dec.decode(b) : null);

describe("EventFramer", () => {
  it("passes a chunk of whole events through untouched", () => {
    const framer = new EventFramer();
    const chunk = enc.encode('data: {"a":1}\n\ndata: {"b":2}\n\n');
    expect(framer.push(chunk)).toBe(chunk);
    expect(framer.heldBytes).toBe(0);
  });

  it("holds a partial event until its blank line, however the stream is cut", () => {
    const stream = 'data: {"a":1}\n\ndata: {"b":\r\n2}\r\n\r\ndata: [DONE]\n\n';
    for (let cut = 1; cut < stream.length; cut++) {
      const framer = new EventFramer();
      const out = [text(framer.push(enc.encode(stream.slice(0, cut)))), text(framer.push(enc.encode(stream.slice(cut))))].join("");
      expect(out, `cut at ${cut}`).toBe(stream);
      expect(framer.heldBytes).toBe(0);
    }
  });

  it("finds a boundary split across chunks", () => {
    const framer = new EventFramer();
    expect(framer.push(enc.encode("data: x\n"))).toBeNull();
    expect(text(framer.push(enc.encode("\ndata: y")))).toBe("data: x\n\n");
    expect(framer.heldBytes).toBe("data: y".length);
  });

  it("keeps back an event the stream never finishes", () => {
    const framer = new EventFramer();
    expect(text(framer.push(enc.encode('data: {"a":1}\n\ndata: {"choices":[{')))).toBe('data: {"a":1}\n\n');
    expect(framer.heldBytes).toBe('data: {"choices":[{'.length);
  });

  it("gives up on an event longer than its limit, lines short or long", () => {
    const framer = new EventFramer();
    const lines = enc.encode("data: x\n".repeat(64 * 1024));
    let pushed = 0;
    while (!framer.overflowed && pushed <= MAX_HELD_EVENT_BYTES + lines.byteLength) {
      expect(framer.push(lines)).toBeNull();
      pushed += lines.byteLength;
    }
    expect(framer.overflowed).toBe(true);
    expect(framer.heldBytes).toBe(0);
  });
});

describe("EventFramer: blank lines split across chunks", () => {
  it("finds \\n\\n and \\n\\r\\n however they are split, byte by byte", () => {
    for (const stream of ["data: a\n\ndata: b\n\n", "data: a\r\n\r\ndata: b\r\n\r\n", "data: a\n\r\ndata: b\n\r\n"]) {
      const framer = new EventFramer();
      let out = "";
      for (const byte of enc.encode(stream)) out += text(framer.push(Uint8Array.of(byte))) ?? "";
      expect(out, JSON.stringify(stream)).toBe(stream);
      expect(framer.heldBytes).toBe(0);
    }
  });
});
