// Coalescing: while one request for a cache key is on its way to an origin,
// identical requests in the same isolate wait for it instead of sending their
// own. The leader's answer is broadcast as it streams: followers get every
// chunk received so far, then each new one as it arrives.
//
// Followers poll the shared chunk list on a short timer rather than await a
// promise the leader resolves: workerd does not let one request's code settle
// promises another request is waiting on (it reports the waiter as hung).
//
// A leader can vanish without a word: when its client disconnects, workerd
// stops running its request's code, so it never lands. A flight that makes no
// progress for its stall limit is therefore abandoned: followers still waiting
// for the head send their own request, those mid-stream get an error, and the
// next identical request starts a new flight.
//
// With its head the leader may leave a note (`N`: what it knows of how its
// answer came about), which followers read once they have the answer.

import { sseErrorEvent } from "../upstream/relay";

type Ending = "ok" | "failed";

export class Flight<N = unknown> {
  private readonly chunks: Uint8Array[] = [];
  private head: { status: number; headers: [string, string][]; note: N | undefined } | null = null;
  private ending: Ending | null = null;
  /** When the leader last showed progress (boarding, the head, a chunk). */
  private progressAt = Date.now();
  followers = 0;

  constructor(private readonly stallMs: number) {}

  /** No progress for the stall limit, and not ended: the leader is gone. */
  stalled(now = Date.now()): boolean {
    return !this.ending && now - this.progressAt > this.stallMs;
  }

  private progress(): void {
    this.progressAt = Date.now();
  }

  /**
   * The leader's stream, relayed unchanged to its own client while every
   * chunk is kept for followers (who therefore go at the leader's pace).
   */
  publish(response: Response, onEnd: (ending: Ending, body: Uint8Array[]) => void, note?: N): Response {
    this.head = { status: response.status, headers: [...response.headers], note };
    this.progress();
    const reader = response.body?.getReader();
    if (!reader) {
      this.finish("ok", onEnd);
      return response;
    }
    const body = new ReadableStream<Uint8Array>(
      {
        pull: async (controller) => {
          try {
            const { done, value } = await reader.read();
            if (done) {
              controller.close();
              this.finish("ok", onEnd);
              return;
            }
            this.chunks.push(value);
            this.progress();
            controller.enqueue(value);
          } catch (err) {
            controller.error(err);
            this.finish("failed", onEnd);
          }
        },
        cancel: (reason) => {
          void reader.cancel(reason).catch(() => {});
          this.finish("failed", onEnd);
        },
      },
      { highWaterMark: 0 },
    );
    return new Response(body, { status: response.status, headers: response.headers });
  }

  /**
   * An answer that is whole in memory already (a JSON body, an error): read
   * at once, so followers never wait for the leader's client to read it.
   */
  async publishWhole(response: Response, onEnd: (ending: Ending, body: Uint8Array[]) => void, note?: N): Promise<Response> {
    const body = new Uint8Array(await response.arrayBuffer());
    this.head = { status: response.status, headers: [...response.headers], note };
    this.chunks.push(body);
    this.finish("ok", onEnd);
    return new Response(body, { status: response.status, headers: response.headers });
  }

  /** The leader's answer came whole (an error, or a cache hit): followers get the same. */
  settle(response: Response, note?: N): void {
    void response.arrayBuffer().then((buffer) => {
      this.head = { status: response.status, headers: [...response.headers], note };
      this.chunks.push(new Uint8Array(buffer));
      this.ending = "ok";
    });
  }

  /** The leader's note, once its answer has begun (after `follow` gave a copy). */
  get note(): N | undefined {
    return this.head?.note;
  }

  /** A follower's copy of the leader's answer; null if the leader vanished before its answer began. */
  async follow(): Promise<Response | null> {
    this.followers++;
    const wait = poller();
    while (!this.head) {
      if (this.stalled()) return null;
      await wait();
    }
    const head = this.head;
    const sse = new Headers(head.headers).get("content-type")?.startsWith("text/event-stream") === true;
    let index = 0;
    const body = new ReadableStream<Uint8Array>(
      {
        pull: async (controller) => {
          const idle = poller();
          while (index >= this.chunks.length && !this.ending && !this.stalled()) await idle();
          if (index < this.chunks.length) controller.enqueue(this.chunks[index++]!);
          else if (this.ending === "ok") controller.close();
          else if (sse) {
            // Like a broken origin stream: an error event a client can read, then the end.
            controller.enqueue(sseErrorEvent("The request this one was coalesced with broke off.", "stream_interrupted"));
            controller.close();
          } else controller.error(new Error("the coalesced request failed"));
        },
      },
      { highWaterMark: 0 },
    );
    return new Response(body, { status: head.status, headers: head.headers });
  }

  private finish(ending: Ending, onEnd: (ending: Ending, body: Uint8Array[]) => void): void {
    if (this.ending) return;
    this.ending = ending;
    onEnd(ending, this.chunks);
  }
}

/** Waits of 1, 2, 4 ... up to 16 ms: quick for token streams, cheap for long prefills. */
function poller(): () => Promise<void> {
  let ms = 1;
  return () => {
    const wait = new Promise<void>((resolve) => setTimeout(resolve, ms));
    ms = Math.min(ms * 2, 16);
    return wait;
  };
}

const flights = new Map<string, Flight<unknown>>();

/** Coalesced requests on their way to an origin (for the isolate read-out; 0 when idle). */
export const flightsInAir = (): number => flights.size;

/**
 * Joins the flight for `key`, or starts one (then `leader` is true and `land`
 * must be called). A flight without progress for `stallMs` is replaced.
 */
export function board<N = unknown>(key: string, stallMs: number): { flight: Flight<N>; leader: boolean; land: () => void } {
  const existing = flights.get(key) as Flight<N> | undefined;
  if (existing && !existing.stalled()) return { flight: existing, leader: false, land: () => {} };
  const flight = new Flight<N>(stallMs);
  flights.set(key, flight);
  return { flight, leader: true, land: () => flights.get(key) === flight && flights.delete(key) };
}
