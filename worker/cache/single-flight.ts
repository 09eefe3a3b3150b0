// Coalescing: while one request for a cache key is on its way to an origin,
// identical requests in the same isolate wait for it instead of sending their
// own. The leader's answer is broadcast as it streams: followers get every
// chunk received so far, then each new one as it arrives.
//
// Followers poll the shared chunk list on a short timer rather than await a
// promise the leader resolves: workerd does not let one request's code settle
// promises another request is waiting on (it reports the waiter as hung).

type Ending = "ok" | "failed";

export class Flight {
  private readonly chunks: Uint8Array[] = [];
  private head: { status: number; headers: [string, string][] } | null = null;
  private ending: Ending | null = null;
  followers = 0;

  /**
   * The leader's stream, relayed unchanged to its own client while every
   * chunk is kept for followers (who therefore go at the leader's pace).
   */
  publish(response: Response, onEnd: (ending: Ending, body: Uint8Array[]) => void): Response {
    this.head = { status: response.status, headers: [...response.headers] };
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
  async publishWhole(response: Response, onEnd: (ending: Ending, body: Uint8Array[]) => void): Promise<Response> {
    const body = new Uint8Array(await response.arrayBuffer());
    this.head = { status: response.status, headers: [...response.headers] };
    this.chunks.push(body);
    this.finish("ok", onEnd);
    return new Response(body, { status: response.status, headers: response.headers });
  }

  /** The leader's answer came whole (an error, or a cache hit): followers get the same. */
  settle(response: Response): void {
    void response.arrayBuffer().then((buffer) => {
      this.head = { status: response.status, headers: [...response.headers] };
      this.chunks.push(new Uint8Array(buffer));
      this.ending = "ok";
    });
  }

  /** A follower's copy of the leader's answer. */
  async follow(): Promise<Response> {
    this.followers++;
    const wait = poller();
    while (!this.head) await wait();
    const head = this.head;
    let index = 0;
    const body = new ReadableStream<Uint8Array>(
      {
        pull: async (controller) => {
          const idle = poller();
          while (index >= this.chunks.length && !this.ending) await idle();
          if (index < this.chunks.length) controller.enqueue(this.chunks[index++]!);
          else if (this.ending === "ok") controller.close();
          else controller.error(new Error("the coalesced request failed"));
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

const flights = new Map<string, Flight>();

/** Coalesced requests on their way to an origin (for the isolate read-out; 0 when idle). */
export const flightsInAir = (): number => flights.size;

/** Joins the flight for `key`, or starts one (then `leader` is true and `land` must be called). */
export function board(key: string): { flight: Flight; leader: boolean; land: () => void } {
  const existing = flights.get(key);
  if (existing) return { flight: existing, leader: false, land: () => {} };
  const flight = new Flight();
  flights.set(key, flight);
  return { flight, leader: true, land: () => flights.get(key) === flight && flights.delete(key) };
}
