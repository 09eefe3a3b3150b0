// The native relay: an origin's stream handed to the client by the runtime,
// with no JavaScript per chunk. The attempt tees the origin's body before its
// first read (`nativeCopies`): the client gets one copy as it is, which the
// runtime streams (a stream once read from cannot be handed on natively); the
// router reads the other copy's first chunk (the commit, as for any stream),
// then the rest in one native read, and meters it once at its end. For origins
// the operator runs (`stream_relay: "native"`): none of the checked relay's
// guarding applies, see `relayNatively`.
import { SseMeter } from "./sse-meter";
import type { StreamEnd } from "./relay";

export interface NativeCopies {
  /** Goes to the client as is. */
  toClient: ReadableStream<Uint8Array>;
  /** Its first chunk commits the attempt; all of it is metered. */
  watched: ReadableStream<Uint8Array>;
}

export function nativeCopies(body: ReadableStream<Uint8Array>): NativeCopies {
  const [toClient, watched] = body.tee();
  return { toClient, watched };
}

export interface NativeRelayOptions {
  expectDone: boolean;
  onEnd: (end: StreamEnd) => void;
  /** The watched copy is read after the response is returned. */
  waitUntil: (p: Promise<unknown>) => void;
}

/**
 * The client's stream, once `reader` has read `first`, the watched copy's
 * first chunk. What the origin sends reaches the client as sent: its error
 * events and framing unchecked, everything after `[DONE]`; when the client
 * goes away the origin is not stopped (the watched copy reads on), so the
 * answer is billed as the origin generated it. An origin that breaks off is
 * billed for its first chunk only (the rest is read whole or not at all) and
 * recorded as a failed stream. The caller bounds the answer's size (the copy
 * is held whole until the end).
 */
export function relayNatively(copies: NativeCopies, first: Uint8Array, reader: ReadableStreamDefaultReader<Uint8Array>, options: NativeRelayOptions): ReadableStream<Uint8Array> {
  reader.releaseLock();
  options.waitUntil(meterCopy(first, copies.watched, options));
  return copies.toClient;
}

async function meterCopy(first: Uint8Array, rest: ReadableStream<Uint8Array>, options: NativeRelayOptions): Promise<void> {
  const meter = new SseMeter();
  meter.push(first);
  let ended = true;
  try {
    // Piped into a native identity stream and read whole from there: a whole-body read straight
    // off a teed origin body holds back the client's copy until it has it all (measured).
    const { readable, writable } = new IdentityTransformStream();
    // A broken pipe errors the readable too, so the read below tells; its own rejection is not needed.
    rest.pipeTo(writable).catch(() => {});
    meter.push(new Uint8Array(await new Response(readable).arrayBuffer()));
  } catch {
    ended = false;
  }
  const ok = ended && !meter.failed && !meter.malformed && !meter.oversized && (!options.expectDone || meter.done);
  options.onEnd({ ok, cancelled: false, outputTokens: meter.outputTokens(), promptTokens: meter.promptTokens, contentEvents: meter.contentEvents });
}
