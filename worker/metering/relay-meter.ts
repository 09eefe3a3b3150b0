// Lets the relay that already reads an origin's stream chunk by chunk also
// meter it (and take out the usage event the client did not ask for), so a
// streamed answer passes through one JavaScript stream instead of two. Used
// when the answer goes straight to its client; a stream that the cache
// records or shares with coalesced followers is metered by its own tap.
import type { ForwardableRequest } from "../schemas/openai";
import type { StreamEnd } from "../upstream/relay";

/** Whether the client asked for a stream's usage event (`stream_options.include_usage`); else it is taken out again. */
export function asksForUsage(body: ForwardableRequest): boolean {
  return (body.stream_options as { include_usage?: unknown } | null | undefined)?.include_usage === true;
}

export class RelayMeter {
  private attached: Response | null = null;
  private ended: StreamEnd | null = null;
  private listener: ((end: StreamEnd) => void) | null = null;

  /** Whether the relay removes the usage-only event (the client did not ask for usage). */
  constructor(readonly stripUsage: boolean) {}

  /** Routing says which response's relay reports here. */
  attach(response: Response): void {
    this.attached = response;
  }

  meters(response: Response): boolean {
    return this.attached === response;
  }

  /** The relay's end of stream, before or after metering starts listening. */
  readonly end = (end: StreamEnd): void => {
    if (this.listener) this.listener(end);
    else this.ended = end;
  };

  onEnd(listener: (end: StreamEnd) => void): void {
    if (this.ended) listener(this.ended);
    else this.listener = listener;
  }
}
