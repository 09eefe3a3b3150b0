const encoder = new TextEncoder();

/** An SSE event that tells an OpenAI client the stream broke, instead of silence. */
export function sseErrorEvent(message: string, code: string): Uint8Array {
  const body = JSON.stringify({ error: { message, type: "upstream_error", code } });
  return encoder.encode(`data: ${body}\n\n`);
}

/**
 * Relays an upstream body whose first chunk was already read (that is how the
 * router knew the origin was alive before committing to it). Pull-based with
 * no internal buffer: each client read pulls one upstream chunk, so tokens go
 * through as soon as they arrive and a slow client slows the origin, not memory.
 *
 * If the origin breaks off after the commit, the client gets a well-formed
 * error event and a clean end; with `expectDone`, an SSE stream that ends
 * without `data: [DONE]` counts as broken off too.
 */
export function relay(
  first: Uint8Array,
  reader: ReadableStreamDefaultReader<Uint8Array>,
  options: { expectDone: boolean; onCancel: () => void },
): ReadableStream<Uint8Array> {
  let pending: Uint8Array | null = first;
  const done = options.expectDone ? new DoneMarker() : null;

  return new ReadableStream<Uint8Array>(
    {
      async pull(controller) {
        if (pending) {
          done?.push(pending);
          controller.enqueue(pending);
          pending = null;
          return;
        }
        try {
          const chunk = await reader.read();
          if (chunk.done) {
            if (done && !done.seen) controller.enqueue(sseErrorEvent("The origin ended the stream early.", "stream_truncated"));
            controller.close();
            return;
          }
          done?.push(chunk.value);
          controller.enqueue(chunk.value);
        } catch {
          controller.enqueue(sseErrorEvent("The origin's stream broke off.", "stream_interrupted"));
          controller.close();
        }
      },
      cancel(reason) {
        options.onCancel();
        reader.cancel(reason).catch(() => {});
      },
    },
    { highWaterMark: 0 },
  );
}

/** Watches the last bytes of a stream for the OpenAI end marker `data: [DONE]`. */
class DoneMarker {
  private tail = "";
  private readonly decoder = new TextDecoder();
  seen = false;

  push(chunk: Uint8Array): void {
    this.tail = (this.tail + this.decoder.decode(chunk, { stream: true })).slice(-64);
    this.seen = /data: ?\[DONE\]\s*$/.test(this.tail);
  }
}
