// Watches an OpenAI-style SSE stream go by without holding it: counts events,
// notices `data: [DONE]`, and picks up the usage block when the origin sends one.
const USAGE = /"completion_tokens"\s*:\s*(\d+)/;
const PROMPT = /"prompt_tokens"\s*:\s*(\d+)/;
/** A usage object (not `"usage": null`), however the JSON is spaced. */
const USAGE_BLOCK = /"usage"\s*:\s*\{/;

export class SseMeter {
  private readonly decoder = new TextDecoder();
  private partial = "";
  events = 0;
  done = false;
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
  }

  /** Output tokens: from usage when the origin reported it, else one per content event. */
  outputTokens(): number {
    return this.completionTokens ?? Math.max(0, this.events - 2);
  }

  private line(line: string): void {
    if (!line.startsWith("data:")) return;
    const data = line.slice(5).trim();
    if (data === "[DONE]") {
      this.done = true;
      return;
    }
    this.events++;
    if (USAGE_BLOCK.test(data)) {
      const out = USAGE.exec(data);
      const prompt = PROMPT.exec(data);
      if (out) this.completionTokens = Number(out[1]);
      if (prompt) this.promptTokens = Number(prompt[1]);
    }
  }
}
