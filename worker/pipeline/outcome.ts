// What happened to a request once it was admitted: who answered and how.
// The cache stage, the route and forward stages fill it in; the relay, the
// meter and the header writer read it, so nothing is read back off the
// response's headers. A coalesced request gets its leader's origin call.
import type { AnswerUsage } from "../metering/tokens";
import type { CacheState } from "../metering/usage-record";
import type { RelayMeter } from "../metering/relay-meter";

/** The origin call that produced an answer. */
export interface OriginCall {
  /** The origin that answered. */
  origin: string;
  /** The region the request was routed from. */
  region: string;
  /** Attempts made, the winner's included. */
  attempts: number;
  /** The rules' trail, the policy and why it chose as it did (`x-meridian-route`). */
  route: string;
  /** Our own id for the request at the origins (never the client's). */
  upstreamRequestId: string;
  hedged: boolean;
  /** From the pipeline's start to the end of planning. */
  routeMs: number;
  /** The chosen origin's time to first byte (stream: first chunk). */
  ttftMs: number;
  /** A non-streamed answer's usage, as the attempt read it; null for streams. */
  usage: AnswerUsage | null;
  /** A stream relayed straight to its client is metered by the relay: this is its meter. */
  relayMeter: RelayMeter | null;
}

/** An answer and how it came about (the shape the cache stage deals in: `CacheAnswer<OriginCall>`). */
export interface Outcome {
  response: Response;
  /** The model that answered (a cache hit: the model it was stored under); null when a shared error names none. */
  model: string | null;
  /** How the cache answered; null: the endpoint is not cached. */
  cache: CacheState | null;
  /** How close a near-duplicate hit was. */
  similarity: number | null;
  /** The origin call that answered; null for cache hits (and errors shared with coalesced requests). */
  call: OriginCall | null;
  /** A cache hit: the key of the entry it replayed. */
  entryKey?: string;
}
