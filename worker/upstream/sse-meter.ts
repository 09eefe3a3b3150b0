// Watches an OpenAI-style SSE stream go by without holding it: counts events,
// notices `data: [DONE]`, and picks up the usage block when the origin sends one
// (chat and completions `usage`, or the Responses API's `response.completed`).
/** A non-empty piece of text: chat `delta.content`, completions `text`, Responses API `delta`. */
const CONTENT = /"(?:content|text|delta)"\s*:\s*"[^"]/;
/**
 * A usage object (not `"usage": null`), however the JSON is spaced: the cheap
 * test that picks the few events worth parsing for their usage.
 */
const USAGE_BLOCK = /"usage"\s*:\s*\{/;
/**
 * A line longer than this with no end in sight is cut off: the meter never
 * holds more of one. Above the largest request body plus a long answer, since
 * a Responses stream's last event echoes the request's instructions and tools.
 */
export const MAX_SSE_LINE_CHARS = 4 * 1024 * 1024;

export class SseMeter {
  private readonly decoder = new TextDecoder();
  /** A line not ended yet, in pieces (joined once it ends: an endless line costs linear time). */
  private partial: string[] = [];
  private partialChars = 0;
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
    const text = this.decoder.decode(chunk, { stream: true });
    let start = 0;
    let end: number;
    while ((end = text.indexOf("\n", start)) >= 0) {
      const piece = text.slice(start, end);
      if (this.partialChars === 0) this.line(piece);
      else {
        this.partial.push(piece);
        this.line(this.partial.join(""));
        this.partial = [];
        this.partialChars = 0;
      }
      start = end + 1;
    }
    if (start === text.length) return;
    this.partial.push(text.slice(start));
    this.partialChars += text.length - start;
    if (this.partialChars > MAX_SSE_LINE_CHARS) {
      this.oversized = true;
      this.partial = [];
      this.partialChars = 0;
    }
  }

  /** Output tokens: from usage when the origin reported it, else one per content event. */
  outputTokens(): number {
    return this.completionTokens ?? this.contentEvents;
  }

  private line(line: string): void {
    // Nothing after `[DONE]` or an error event is relayed, so nothing after them counts.
    if (this.done || this.failed || !line.startsWith("data:")) return;
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
      const usage = usageAtItsPath(data);
      if (usage.output !== null) this.completionTokens = usage.output;
      if (usage.input !== null) this.promptTokens = usage.input;
    }
  }
}

/**
 * The usage an event reports, read where the protocol puts it: top-level
 * `usage` (chat, completions) or `response.usage` (Responses API). Never the
 * first matching key anywhere: a Responses event echoes the client's tools
 * (their JSON schemas are client text) before its usage.
 */
function usageAtItsPath(data: string): { input: number | null; output: number | null } {
  let event: unknown;
  try {
    event = JSON.parse(data);
  } catch {
    return { input: null, output: null };
  }
  const response = objectOrNull((objectOrNull(event) ?? {}).response);
  const usage = objectOrNull((response ?? objectOrNull(event) ?? {}).usage);
  if (!usage) return { input: null, output: null };
  return { input: tokenCount(usage.prompt_tokens ?? usage.input_tokens), output: tokenCount(usage.completion_tokens ?? usage.output_tokens) };
}

function objectOrNull(value: unknown): Record<string, unknown> | null {
  return typeof value === "object" && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : null;
}

/** A count from the wire: a non-negative safe integer, else unknown. */
function tokenCount(value: unknown): number | null {
  return typeof value === "number" && Number.isSafeInteger(value) && value >= 0 ? value : null;
}
