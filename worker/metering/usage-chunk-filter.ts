// Takes the usage-only event (`"choices": []` with a usage block) out of a
// chat or completions stream. The router always asks origins for usage so it
// can meter streams; a client that did not ask must not see the extra event.
//
// Events pass through as soon as they are complete, and untouched (the same
// bytes) whenever a chunk ends on an event boundary and holds no usage event,
// which is how origins send them. Only a partial event is held back.
const EMPTY_CHOICES = /"choices"\s*:\s*\[\s*\]/;
const USAGE_BLOCK = /"usage"\s*:\s*\{/;
const BOUNDARY = /\r?\n\r?\n/;

const encoder = new TextEncoder();
/** An event that has not ended after this much text is cut off: the filter never holds more. */
export const MAX_HELD_EVENT_CHARS = 4 * 1024 * 1024;

export class UsageChunkFilter {
  private readonly decoder = new TextDecoder();
  /** Text of an event that has not ended yet, in pieces (joined once it ends: an endless event costs linear time). */
  private held: string[] = [];
  private heldChars = 0;
  /** An event ran past MAX_HELD_EVENT_CHARS: the stream cannot go on. */
  overflowed = false;

  /** The bytes to pass on for this chunk (possibly none yet). */
  push(chunk: Uint8Array): Uint8Array | null {
    const text = this.decoder.decode(chunk, { stream: true });
    if (this.heldChars === 0 && endsEvent(text) && !EMPTY_CHOICES.test(text)) return chunk;
    // The held text has no blank line, so the last one ends in `text` (it may begin in the held tail).
    const tail = this.heldTail();
    const cut = Math.max(0, afterLastBoundary(tail + text) - tail.length);
    if (cut === 0) {
      this.hold(text);
      return null;
    }
    const events = this.held.join("") + text.slice(0, cut);
    this.held = [];
    this.heldChars = 0;
    this.hold(text.slice(cut));
    return encode(withoutUsageEvents(events));
  }

  /** The last two characters held (pieces are never empty). */
  private heldTail(): string {
    const n = this.held.length;
    if (n === 0) return "";
    const last = this.held[n - 1]!;
    return last.length >= 2 || n === 1 ? last.slice(-2) : this.held[n - 2]!.slice(-1) + last;
  }

  private hold(text: string): void {
    if (!text) return;
    this.held.push(text);
    this.heldChars += text.length;
    if (this.heldChars > MAX_HELD_EVENT_CHARS) {
      this.overflowed = true;
      this.held = [];
      this.heldChars = 0;
    }
  }

  /** Whatever was held when the stream ended (an event without its blank line). */
  end(): Uint8Array | null {
    const rest = this.held.join("") + this.decoder.decode();
    this.held = [];
    this.heldChars = 0;
    return rest && !isUsageOnly(rest) ? encoder.encode(rest) : null;
  }
}

function endsEvent(text: string): boolean {
  return text.endsWith("\n\n") || text.endsWith("\n\r\n");
}

/** The index just past the last blank line, 0 if there is none. */
function afterLastBoundary(text: string): number {
  const lf = text.lastIndexOf("\n\n");
  const crlf = text.lastIndexOf("\n\r\n");
  return Math.max(lf < 0 ? 0 : lf + 2, crlf < 0 ? 0 : crlf + 3);
}

/** Complete events (each with its blank line), minus the usage-only ones. */
function withoutUsageEvents(events: string): string {
  if (!EMPTY_CHOICES.test(events)) return events;
  let out = "";
  let rest = events;
  for (let m = BOUNDARY.exec(rest); m; m = BOUNDARY.exec(rest)) {
    const end = m.index + m[0].length;
    const event = rest.slice(0, end);
    if (!isUsageOnly(event)) out += event;
    rest = rest.slice(end);
  }
  return out + rest;
}

function isUsageOnly(event: string): boolean {
  for (const line of event.split(/\r?\n/)) {
    if (line.startsWith("data:") && EMPTY_CHOICES.test(line) && USAGE_BLOCK.test(line) && usageOnlyData(line.slice(5))) return true;
  }
  return false;
}

/**
 * The regexes above are only a cheap pre-check: a Responses event echoes the
 * client's tools, whose JSON schemas may hold `"choices": []` and `"usage": {`.
 * The event is usage-only when its own top-level `choices` is empty and its
 * own `usage` is an object.
 */
function usageOnlyData(data: string): boolean {
  let value: unknown;
  try {
    value = JSON.parse(data);
  } catch {
    return false;
  }
  const { choices, usage } = (typeof value === "object" && value !== null ? value : {}) as { choices?: unknown; usage?: unknown };
  return Array.isArray(choices) && choices.length === 0 && typeof usage === "object" && usage !== null;
}

function encode(text: string): Uint8Array | null {
  return text ? encoder.encode(text) : null;
}
