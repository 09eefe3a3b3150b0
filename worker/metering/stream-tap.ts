// Meters an SSE answer on its way to the client, whatever produced it (an
// origin, a cache replay, a coalesced copy), and takes out the usage-only
// event when the client did not ask for it. Pull-based with no buffer, like
// the relay: each client read pulls one chunk through.
import { SseMeter } from "../upstream/sse-meter";
import { UsageChunkFilter } from "./usage-chunk-filter";

/** How a stream ended for the client. */
export type StreamEnding = "complete" | "cancelled" | "failed";

export function tapStream(
  body: ReadableStream<Uint8Array>,
  stripUsage: boolean,
  onEnd: (meter: SseMeter, ending: StreamEnding) => void,
  /** Also sees every chunk (the answer checks of outcome rules, see answer-check.ts). */
  watch?: { push(chunk: Uint8Array): void },
): ReadableStream<Uint8Array> {
  const reader = body.getReader();
  const meter = new SseMeter();
  const filter = stripUsage ? new UsageChunkFilter() : null;
  let ended = false;
  const end = (ending: StreamEnding) => {
    if (ended) return;
    ended = true;
    onEnd(meter, ending);
  };

  return new ReadableStream<Uint8Array>(
    {
      async pull(controller) {
        // A chunk the filter holds back entirely is not an answer to this read: read on.
        for (;;) {
          let chunk: ReadableStreamReadResult<Uint8Array>;
          try {
            chunk = await reader.read();
          } catch (err) {
            controller.error(err);
            end("failed");
            return;
          }
          if (chunk.done) {
            const rest = filter?.end();
            if (rest) controller.enqueue(rest);
            controller.close();
            end(meter.failed ? "failed" : "complete");
            return;
          }
          meter.push(chunk.value);
          watch?.push(chunk.value);
          const out = filter ? filter.push(chunk.value) : chunk.value;
          if (out) {
            controller.enqueue(out);
            return;
          }
        }
      },
      cancel(reason) {
        reader.cancel(reason).catch(() => {});
        end("cancelled");
      },
    },
    { highWaterMark: 0 },
  );
}
