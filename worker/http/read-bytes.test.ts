import { describe, expect, it } from "vitest";
import { readBytesCapped, readMessageCapped } from "./read-bytes";

const stream = (...parts: number[][]) =>
  new ReadableStream<Uint8Array>({
    start(c) {
      for (const p of parts) c.enqueue(Uint8Array.from(p));
      c.close();
    },
  });

describe("readBytesCapped", () => {
  it("joins the chunks of a body within the limit", async () => {
    expect(await readBytesCapped(stream([1, 2], [3], []), 3)).toEqual(Uint8Array.from([1, 2, 3]));
    expect(await readBytesCapped(stream(), 3)).toEqual(new Uint8Array(0));
  });

  it("stops at the first byte past the limit and cancels the rest", async () => {
    let cancelled = false;
    const endless = new ReadableStream<Uint8Array>({ pull: (c) => c.enqueue(new Uint8Array(1024)), cancel: () => void (cancelled = true) });
    expect(await readBytesCapped(endless, 4096)).toBeNull();
    expect(cancelled).toBe(true);
  });
});

describe("readMessageCapped", () => {
  it("reads a body that declares its length whole, and refuses one past the limit", async () => {
    const declared = (bytes: number[], length: string) => new Response(Uint8Array.from(bytes), { headers: { "content-length": length } });
    expect(await readMessageCapped(declared([1, 2, 3], "3"), 3)).toEqual(Uint8Array.from([1, 2, 3]));
    // A length that lies (possible only for a message built in code) is still held to the limit.
    expect(await readMessageCapped(declared([1, 2, 3, 4], "2"), 3)).toBeNull();
    expect(await readMessageCapped(new Response(null), 3)).toEqual(new Uint8Array(0));
  });

  it("reads a body of unknown or unusable length chunk by chunk, up to the limit", async () => {
    for (const length of [null, "4096", "-1", "1e3", "NaN", " 3"]) {
      const headers: Record<string, string> = length === null ? {} : { "content-length": length };
      const res = new Response(stream([1, 2], [3], [4]), { headers });
      expect(await readMessageCapped(res, 3)).toBeNull();
    }
    expect(await readMessageCapped(new Response(stream([1, 2], [3])), 3)).toEqual(Uint8Array.from([1, 2, 3]));
  });
});
