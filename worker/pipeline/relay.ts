import { SseMeter } from "./sse-meter";

const encoder = new TextEncoder();

/** An SSE event that tells an OpenAI client the stream broke, instead of silence. */
export function sseErrorEvent(message: string, code: string): Uint8Array {
  const body = JSON.stringify({ error: { message, type: "upstream_error", code } });
  return encoder.encode(`data: ${body}\n\n`);
}

export interface StreamEnd {
  /** The stream ended cleanly (and with `[DONE]` where one was expected). */
  ok: boolean;
  /** The client went away first. */
  cancelled: boolean;
  outputTokens: number;
  promptTokens: number | null;
}

export interface RelayOptions {
  /** Chat and completions streams end with `data: [DONE]`; a stream without it was cut. */
  expectDone: boolean;
  onCancel: () => void;
  onEnd: (end: StreamEnd) => void;
}

/**
 * Relays an upstream body whose first chunk was already read (that is how the
 * router knew the origin was alive before committing to it). Pull-based with
 * no internal buffer: each client read pulls one upstream chunk, so tokens go
 * through as soon as they arrive and a slow client slows the origin, not memory.
 *
 * If the origin breaks off after the commit, the client gets a well-formed
 * error event and a clean end.
 */
export function relay(first: Uint8Array, reader: ReadableStreamDefaultReader<Uint8Array>, options: RelayOptions): ReadableStream<Uint8Array> {
  let pending: Uint8Array | null = first;
  const meter = new SseMeter();
  let ended = false;
  const end = (ok: boolean, cancelled: boolean) => {
    if (ended) return;
    ended = true;
    options.onEnd({ ok, cancelled, outputTokens: meter.outputTokens(), promptTokens: meter.promptTokens });
  };

  return new ReadableStream<Uint8Array>(
    {
      async pull(controller) {
        if (pending) {
          meter.push(pending);
          controller.enqueue(pending);
          pending = null;
          return;
        }
        try {
          const chunk = await reader.read();
          if (chunk.done) {
            const complete = !options.expectDone || meter.done;
            if (!complete) controller.enqueue(sseErrorEvent("The origin ended the stream early.", "stream_truncated"));
            controller.close();
            end(complete, false);
            return;
          }
          meter.push(chunk.value);
          controller.enqueue(chunk.value);
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
