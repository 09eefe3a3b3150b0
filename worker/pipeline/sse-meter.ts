// Watches an OpenAI-style SSE stream go by without holding it: counts events,
// notices `data: [DONE]`, and picks up the usage block when the origin sends one
// (chat and completions `usage`, or the Responses API's `response.completed`).
const USAGE = /"(?:completion|output)_tokens"\s*:\s*(\d+)/;
const PROMPT = /"(?:prompt|input)_tokens"\s*:\s*(\d+)/;
/** A non-empty piece of text: chat `delta.content`, completions `text`, Responses API `delta`. */
const CONTENT = /"(?:content|text|delta)"\s*:\s*"[^"]/;
/** A usage object (not `"usage": null`), however the JSON is spaced. */
const USAGE_BLOCK = /"usage"\s*:\s*\{/;
/**
 * A line longer than this with no end in sight is cut off: the meter never
 * holds more of one. Above the largest request body plus a long answer, since
 * a Responses stream's last event echoes the request's instructions and tools.
 */
export const MAX_SSE_LINE_CHARS = 4 * 1024 * 1024;

export class SseMeter {
  private readonly decoder = new TextDecoder();
  private partial = "";
  events = 0;
  /** Events that carried generated text: the token count when usage is missing. */
  contentEvents = 0;
  done = false;
  /** The stream carried an error event (the origin, or the relay, broke it off). */
  failed = false;
  /** An event whose data is not a JSON object (cut short or garbled): the stream cannot be trusted after it. */
  malformed = false;
  /** A line ran past MAX_SSE_LINE_CHARS: the stream cannot go on. */
  oversized = false;
  completionTokens: number | null = null;
  promptTokens: number | null = null;

  push(chunk: Uint8Array): void {
    const text = this.partial + this.decoder.decode(chunk, { stream: true });
    let start = 0;
    let end: number;
    while ((end = text.indexOf("\n", start)) >= 0) {
      this.line(text.slice(start, end));
      start = end + 1;
    }
    this.partial = text.slice(start);
    if (this.partial.length > MAX_SSE_LINE_CHARS) {
      this.oversized = true;
      this.partial = "";
    }
  }

  /** Output tokens: from usage when the origin reported it, else one per content event. */
  outputTokens(): number {
    return this.completionTokens ?? this.contentEvents;
  }

  private line(line: string): void {
    if (!line.startsWith("data:")) return;
    const data = line.slice(5).trim();
    if (data === "[DONE]") {
      this.done = true;
      return;
    }
    this.events++;
    // A cheap shape check, not a parse: origins' garbled frames are cut-short objects.
    if (!(data.startsWith("{") && data.endsWith("}"))) this.malformed = true;
    if (data.startsWith('{"error"')) this.failed = true;
    else if (CONTENT.test(data)) this.contentEvents++;
    if (USAGE_BLOCK.test(data)) {
      const out = USAGE.exec(data);
      const prompt = PROMPT.exec(data);
      if (out) this.completionTokens = Number(out[1]);
      if (prompt) this.promptTokens = Number(prompt[1]);
    }
  }
}
