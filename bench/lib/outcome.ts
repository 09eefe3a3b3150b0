// What a client saw from one chat request, judged from the status and the
// whole body. A gateway may fail, but only loudly: an OpenAI-shaped JSON
// error, or (once a stream has started) a final SSE `data: {"error":…}` event.
// Everything else (a cut connection, a non-JSON error, a stream that just
// stops, malformed frames passed through) is a silent failure.

export type Outcome = "ok" | "clean_error" | "broken_stream" | "silent";

export interface Exchange {
  /** 0 when no response head arrived. */
  status: number;
  stream: boolean;
  body: string;
  /** The connection failed (before or after the head). */
  transportError?: string;
}

function isErrorObject(v: unknown): boolean {
  const e = (v as { error?: { message?: unknown } } | null)?.error;
  return typeof e === "object" && e !== null && typeof e.message === "string";
}

function parse(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

/** The `data:` payloads of the complete SSE events in `body`. */
export function sseData(body: string): string[] {
  const events = body.split(/\r?\n\r?\n/);
  events.pop(); // the unterminated remainder, if any
  const out: string[] = [];
  for (const event of events) {
    const data = event
      .split(/\r?\n/)
      .filter((line) => line.startsWith("data:"))
      .map((line) => line.slice(line.startsWith("data: ") ? 6 : 5));
    if (data.length) out.push(data.join("\n"));
  }
  return out;
}

/**
 * Frames before the last that are not JSON. A stream that still ends in an
 * error event counts as broken (the client was told), but strict SDKs stop
 * at the bad frame first, so the runs report these separately.
 */
export function malformedFrames(body: string): number {
  return sseData(body)
    .slice(0, -1)
    .filter((frame) => parse(frame) === undefined).length;
}

function streamOutcome(x: Exchange): Outcome {
  const data = sseData(x.body);
  const last = data.at(-1);
  if (last === undefined) return "silent";
  if (isErrorObject(parse(last))) return "broken_stream";
  // A stream that claims success must be well-formed throughout.
  if (last !== "[DONE]" || x.transportError || data.length < 2) return "silent";
  return data.slice(0, -1).every((frame) => parse(frame) !== undefined && !isErrorObject(parse(frame))) ? "ok" : "silent";
}

export function classify(x: Exchange): Outcome {
  if (x.status === 0) return "silent";
  if (x.status !== 200) return !x.transportError && isErrorObject(parse(x.body)) ? "clean_error" : "silent";
  if (x.stream) return streamOutcome(x);
  if (x.transportError) return "silent";
  const v = parse(x.body) as { choices?: unknown } | undefined;
  return Array.isArray(v?.choices) ? "ok" : "silent";
}
