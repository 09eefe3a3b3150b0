import { describe, expect, it } from "vitest";
import { nativeCopies, relayNatively } from "./native-relay";
import type { StreamEnd } from "./relay";

// The native relay hands the origin's bytes to the client untouched and
// meters a copy once, at its end; a client that leaves does not stop the copy.
const encoder = new TextEncoder();

const event = (data: unknown) => `data: ${JSON.stringify(data)}\n\n`;
const CONTENT = event({ choices: [{ index: 0, delta: { content: "Hi" } }] });
const USAGE = event({ choices: [], usage: { prompt_tokens: 7, completion_tokens: 5 } });

/**
 * An origin body from `pieces`; counts the pieces read. (An origin that breaks off is tested through
 * the router with a real one, test/worker/native-relay.test.ts: piping an errored JavaScript stream
 * leaves a rejection inside the runtime that a real body does not.)
 */
function originBody(pieces: string[]) {
  const state = { read: 0 };
  const body = new ReadableStream<Uint8Array>(
    {
      pull(c) {
        if (state.read < pieces.length) c.enqueue(encoder.encode(pieces[state.read++]));
        else c.close();
      },
    },
    { highWaterMark: 0 },
  );
  return { body, state };
}

async function start(pieces: string[]) {
  const { body, state } = originBody(pieces);
  const copies = nativeCopies(body);
  const reader = copies.watched.getReader();
  const first = (await reader.read()).value!;
  const background: Promise<unknown>[] = [];
  let end: StreamEnd | null = null;
  const out = relayNatively(copies, first, reader, { expectDone: true, waitUntil: (p) => background.push(p), onEnd: (e) => (end = e) });
  const settled = async () => {
    await Promise.all(background);
    return end as StreamEnd | null;
  };
  return { out, state, settled };
}

describe("native relay", () => {
  it("passes the origin's bytes through as sent, and meters its usage at the end", async () => {
    const pieces = [CONTENT, CONTENT, USAGE, "data: [DONE]\n\n", ": after done\n\n"];
    const { out, settled } = await start(pieces);
    expect(await new Response(out).text()).toBe(pieces.join(""));
    expect(await settled()).toEqual({ ok: true, cancelled: false, outputTokens: 5, promptTokens: 7, contentEvents: 2 });
  });

  it("counts content events when the origin reports no usage", async () => {
    const { out, settled } = await start([CONTENT, CONTENT, CONTENT, "data: [DONE]\n\n"]);
    await new Response(out).text();
    expect(await settled()).toMatchObject({ ok: true, outputTokens: 3, promptTokens: null });
  });

  it("judges a stream that ends without [DONE], garbled or with an error event as not ok", async () => {
    for (const pieces of [[CONTENT, CONTENT], [CONTENT, "data: {\"choi\n\n", "data: [DONE]\n\n"], [CONTENT, event({ error: { message: "oom" } }), "data: [DONE]\n\n"]]) {
      const { out, settled } = await start(pieces);
      await new Response(out).text();
      expect((await settled())?.ok, pieces.join("")).toBe(false);
    }
  });

  it("reads the origin to its end when the client leaves, and meters the whole answer", async () => {
    const pieces = [CONTENT, CONTENT, CONTENT, CONTENT, USAGE, "data: [DONE]\n\n"];
    const { out, state, settled } = await start(pieces);
    const reader = out.getReader();
    await reader.read();
    await reader.cancel("client left");
    expect(await settled()).toMatchObject({ ok: true, cancelled: false, outputTokens: 5 });
    expect(state.read).toBe(pieces.length);
  });
});
