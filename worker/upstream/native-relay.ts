// The native relay: an origin's stream handed to the client by the runtime,
// with no JavaScript per chunk. The body is teed: one copy is piped to the
// client (first chunk, then the rest) inside the runtime, the other is read
// whole, natively, and metered once at its end. For origins the operator runs
// (`stream_relay: "native"`): nothing of the checked relay's guarding applies,
// see `relayNatively`.
import { SseMeter } from "./sse-meter";
import type { StreamEnd } from "./relay";

export interface NativeRelayOptions {
  expectDone: boolean;
  onEnd: (end: StreamEnd) => void;
  /** Both copies are read after the response is returned. */
  waitUntil: (p: Promise<unknown>) => void;
}

/**
 * The client's stream for an origin body whose first chunk `reader` already
 * read. What the origin sends reaches the client as sent: its error events
 * and framing unchecked, everything after `[DONE]`, and, when the client goes
 * away, the origin is not stopped (the metering copy reads on), so the answer
 * is billed as the origin generated it. An origin that breaks off is billed
 * for its first chunk only (the copy is read whole or not at all). The caller
 * bounds the answer's size (the copy is held whole until the end).
 */
export function relayNatively(first: Uint8Array, reader: ReadableStreamDefaultReader<Uint8Array>, body: ReadableStream<Uint8Array>, options: NativeRelayOptions): ReadableStream<Uint8Array> {
  reader.releaseLock();
  const [toClient, toMeter] = body.tee();
  const { readable, writable } = new IdentityTransformStream();
  options.waitUntil(pipeAfter(first, toClient, writable));
  options.waitUntil(meterCopy(first, toMeter, options));
  return readable;
}

async function pipeAfter(first: Uint8Array, rest: ReadableStream<Uint8Array>, to: WritableStream<Uint8Array>): Promise<void> {
  const writer = to.getWriter();
  try {
    await writer.write(first);
    writer.releaseLock();
    await rest.pipeTo(to);
  } catch {
    // The client left, or the origin broke off: the metering copy tells which, and meters it.
    void rest.cancel().catch(() => {});
  }
}

async function meterCopy(first: Uint8Array, copy: ReadableStream<Uint8Array>, options: NativeRelayOptions): Promise<void> {
  const meter = new SseMeter();
  meter.push(first);
  let ended = true;
  try {
    meter.push(new Uint8Array(await new Response(copy).arrayBuffer()));
  } catch {
    ended = false;
  }
  const ok = ended && !meter.failed && !meter.malformed && !meter.oversized && (!options.expectDone || meter.done);
  options.onEnd({ ok, cancelled: false, outputTokens: meter.outputTokens(), promptTokens: meter.promptTokens, contentEvents: meter.contentEvents });
}
