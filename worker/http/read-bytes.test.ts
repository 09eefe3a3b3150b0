import { describe, expect, it } from "vitest";
import { readBytesCapped } from "./read-bytes";

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
