import { UsageChunkFilter } from "../metering/usage-chunk-filter";
import { EventFramer } from "./event-framer";
import { SseMeter } from "./sse-meter";

const encoder = new TextEncoder();

/**
 * A stream longer than this is cut off with an error event: nothing a model
 * should send in one answer comes near it, and coalesced followers keep every
 * chunk of the leader's stream in memory.
 */
export const MAX_STREAM_BYTES = 32 * 1024 * 1024;

/** An SSE event that tells an OpenAI client the stream broke, instead of silence. */
export function sseErrorEvent(message: string, code: string): Uint8Array {
  const body = JSON.stringify({ error: { message, type: "upstream_error", code } });
  return encoder.encode(`data: ${body}\n\n`);
}

const DONE_EVENT = encoder.encode("data: [DONE]\n\n");
/** Decodes whole events only (never `stream: true`): no state carries over between calls. */
const utf8 = new TextDecoder();
/** The lines the meter takes for `[DONE]` and for an error event (it trims the data). */
const DONE_LINE = /(^|\n)data:[ \t]*\[DONE\][ \t]*\r?(\n|$)/;
const ERROR_LINE = /(^|\n)data:[ \t]*\{"error"/;

/** Whole events before the first one with a line that matches `line` (all of them if none does). */
function eventsBefore(events: Uint8Array, line: RegExp): Uint8Array {
  const text = utf8.decode(events);
  const match = line.exec(text);
  if (!match) return events;
  // The event starts after the blank line before the match (or at the start: `events` holds whole events).
  const lf = text.lastIndexOf("\n\n", match.index);
  const crlf = text.lastIndexOf("\n\r\n", match.index);
  const start = Math.max(lf < 0 ? 0 : lf + 2, crlf < 0 ? 0 : crlf + 3);
  return encoder.encode(text.slice(0, start));
}

export interface StreamEnd {
  /** The stream ended cleanly (and with `[DONE]` where one was expected). */
  ok: boolean;
  /** The client went away first. */
  cancelled: boolean;
  /**
   * Cut off at a size limit. Not the origin's failure for sure: a request can
   * ask for that much (many choices, a long echo of its own instructions).
   */
  tooLarge?: true;
  outputTokens: number;
  promptTokens: number | null;
  /** Events that carried generated text. */
  contentEvents: number;
}

export interface RelayOptions {
  /** Chat and completions streams end with `data: [DONE]`; a stream without it was cut. */
  expectDone: boolean;
  onCancel: () => void;
  onEnd: (end: StreamEnd) => void;
  /** Take the usage-only event out on the way (the router asked for it, the client did not). */
  stripUsage?: boolean;
  /** Keeps the isolate alive for work after the client's stream has ended (reading the origin's body to its end). */
  waitUntil?: (p: Promise<unknown>) => void;
}

/** After `[DONE]` the origin has this long to end its body, whose connection is then kept for the next request. */
export const END_AFTER_DONE_MS = 1_000;

/**
 * Reads what follows `[DONE]` without relaying it: an origin ends its body
 * right after, and a body read to its end leaves its connection open for the
 * next request (cancelling it costs a new connection: about 2 ms of CPU per
 * stream, measured). Anything more than the end, or no end in time, and
 * the body is cancelled.
 */
async function readToEnd(reader: ReadableStreamDefaultReader<Uint8Array>): Promise<void> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const late = new Promise<"late">((resolve) => (timer = setTimeout(() => resolve("late"), END_AFTER_DONE_MS)));
  try {
    const next = await Promise.race([reader.read(), late]);
    if (next === "late" || !next.done) await reader.cancel();
  } catch {
    // The origin broke off after [DONE]: nothing of it reaches anyone.
  } finally {
    clearTimeout(timer);
  }
}

/**
 * Relays an upstream body whose first chunk was already read (that is how the
 * router knew the origin was alive before committing to it). Pull-based with
 * no internal buffer: each client read pulls one upstream chunk, so tokens go
 * through as soon as they arrive and a slow client slows the origin, not memory.
 *
 * The client gets whole events only (the usage filter, or else a framer,
 * holds a partial one back), so when the origin breaks off after the commit,
 * or the relay cuts it off, the client's stream ends with a well-formed error
 * event after the last whole event, and an unfinished one is dropped, as an
 * SSE client drops one at the end of a stream.
 */
export function relay(first: Uint8Array, reader: ReadableStreamDefaultReader<Uint8Array>, options: RelayOptions): ReadableStream<Uint8Array> {
  let pending: Uint8Array | null = first;
  const meter = new SseMeter();
  const filter = options.stripUsage ? new UsageChunkFilter() : null;
  const framer = filter ? null : new EventFramer();
  let ended = false;
  let relayed = 0;
  const end = (ok: boolean, cancelled: boolean, tooLarge = false) => {
    if (ended) return;
    ended = true;
    const counts = { outputTokens: meter.outputTokens(), promptTokens: meter.promptTokens, contentEvents: meter.contentEvents };
    options.onEnd({ ok, cancelled, ...counts, ...(tooLarge ? { tooLarge: true as const } : {}) });
  };
  /** Ends the stream here with an error event (after the last whole event), and stops reading the origin. */
  const breakOff = (controller: ReadableStreamDefaultController<Uint8Array>, message: string, code: string): true => {
    controller.enqueue(sseErrorEvent(message, code));
    controller.close();
    reader.cancel().catch(() => {});
    end(false, false, code === "stream_too_large");
    return true;
  };
  /**
   * Meters a chunk and passes on what the client gets of it; false when the
   * filter held it all back. A chunk with a garbled event is not passed on:
   * the stream ends there with an error event, so no client parses garbage.
   * Nor is one that takes a line, an event or the stream past its size limit.
   */
  const pass = (controller: ReadableStreamDefaultController<Uint8Array>, chunk: Uint8Array): boolean => {
    relayed += chunk.byteLength;
    if (relayed > MAX_STREAM_BYTES) return breakOff(controller, "The origin's stream exceeded the relay's size limit.", "stream_too_large");
    meter.push(chunk);
    if (meter.malformed) return breakOff(controller, "The origin sent a malformed event.", "stream_malformed");
    if (meter.oversized) return breakOff(controller, "The origin sent an event line longer than the relay's limit.", "stream_too_large");
    const out = filter ? filter.push(chunk) : framer!.push(chunk);
    if (filter?.overflowed || framer?.overflowed) return breakOff(controller, "The origin sent an event longer than the relay's limit.", "stream_too_large");
    if (meter.failed) return originFailed(controller, out);
    if (meter.done) return finish(controller, out);
    if (out) controller.enqueue(out);
    return out !== null;
  };
  /**
   * `[DONE]` ends the stream for the client, whatever the origin sends after
   * it or however long it keeps the connection open: the events before it,
   * one `[DONE]` of our own, and nothing of the origin is relayed after.
   */
  const finish = (controller: ReadableStreamDefaultController<Uint8Array>, out: Uint8Array | null): true => {
    const before = out ? eventsBefore(out, DONE_LINE) : null;
    if (before?.byteLength) controller.enqueue(before);
    controller.enqueue(DONE_EVENT);
    controller.close();
    if (options.waitUntil) options.waitUntil(readToEnd(reader));
    else reader.cancel().catch(() => {});
    end(true, false);
    return true;
  };
  /**
   * The origin sent an error event: the events before it, then an error
   * event of ours. The origin's own text (it may name accounts or keys) is
   * not relayed; the stream is the origin's failure.
   */
  const originFailed = (controller: ReadableStreamDefaultController<Uint8Array>, out: Uint8Array | null): true => {
    const before = out ? eventsBefore(out, ERROR_LINE) : null;
    if (before?.byteLength) controller.enqueue(before);
    return breakOff(controller, "The origin reported an error in its stream.", "origin_stream_error");
  };

  return new ReadableStream<Uint8Array>(
    {
      async pull(controller) {
        if (pending) {
          const first = pending;
          pending = null;
          if (pass(controller, first)) return;
        }
        try {
          // A chunk the filter holds back entirely does not answer this read: read on.
          for (;;) {
            const chunk = await reader.read();
            if (chunk.done) {
              // What the filter or framer still holds is an event the origin never finished: dropped.
              const complete = !options.expectDone || meter.done;
              if (!complete) controller.enqueue(sseErrorEvent("The origin ended the stream early.", "stream_truncated"));
              controller.close();
              end(complete, false);
              return;
            }
            if (pass(controller, chunk.value)) return;
          }
        } catch {
          controller.enqueue(sseErrorEvent("The origin's stream broke off.", "stream_interrupted"));
          controller.close();
          end(false, false);
        }
      },
      cancel(reason) {
        options.onCancel();
        reader.cancel(reason).catch(() => {});
        end(true, true);
      },
    },
    { highWaterMark: 0 },
  );
}
