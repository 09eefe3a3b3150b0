import { describe, expect, it } from "vitest";
import { board } from "./single-flight";

// A leader whose client disconnects stops running (workerd cancels its
// request's code): it never publishes or lands. Followers must not wait for it
// forever, and the key must not stay taken by a dead flight.
const encoder = new TextEncoder();
let n = 0;
const key = () => `flight-test-${++n}`;

describe("single flight: a leader that vanishes", () => {
  it("before its answer began: followers go on their own, and the next request leads a new flight", async () => {
    const k = key();
    const leader = board(k, 30);
    expect(leader.leader).toBe(true);
    const follower = board(k, 30);
    expect(follower.leader).toBe(false);
    expect(await follower.flight.follow()).toBeNull();
    const next = board(k, 30);
    expect(next.leader).toBe(true);
    expect(next.flight).not.toBe(leader.flight);
  });

  it("mid-stream: followers get an error event and the end, not a hang", async () => {
    const k = key();
    const { flight } = board(k, 30);
    const upstream = new ReadableStream<Uint8Array>({
      start(c) {
        c.enqueue(encoder.encode('data: {"choices":[{"delta":{"content":"hi"}}]}\n\n'));
        // ...and nothing more: the leader's code stopped running.
      },
    });
    const leaderCopy = flight.publish(new Response(upstream, { headers: { "content-type": "text/event-stream" } }), () => {});
    const reader = leaderCopy.body!.getReader();
    await reader.read(); // the leader's client read one chunk, then left without a word
    const copy = await board(k, 30).flight.follow();
    const text = await copy!.text();
    expect(text).toContain('"content":"hi"');
    expect(text).toContain('"code":"stream_interrupted"');
  });

  it("does not cut off a leader that is making progress", async () => {
    const k = key();
    const leader = board(k, 10_000);
    const follower = board(k, 10_000);
    const copy = follower.flight.follow();
    await leader.flight.publishWhole(Response.json({ choices: [] }), () => {});
    leader.land();
    expect(await (await copy)!.json()).toEqual({ choices: [] });
  });
});
