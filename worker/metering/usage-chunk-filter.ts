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
  /** Text of an event that has not ended yet. */
  private held = "";
  /** An event ran past MAX_HELD_EVENT_CHARS: the stream cannot go on. */
  overflowed = false;

  /** The bytes to pass on for this chunk (possibly none yet). */
  push(chunk: Uint8Array): Uint8Array | null {
    const text = this.decoder.decode(chunk, { stream: true });
    if (!this.held && endsEvent(text) && !EMPTY_CHOICES.test(text)) return chunk;
    const all = this.held + text;
    const cut = afterLastBoundary(all);
    this.held = all.slice(cut);
    if (this.held.length > MAX_HELD_EVENT_CHARS) {
      this.overflowed = true;
      this.held = "";
    }
    return cut > 0 ? encode(withoutUsageEvents(all.slice(0, cut))) : null;
  }

  /** Whatever was held when the stream ended (an event without its blank line). */
  end(): Uint8Array | null {
    const rest = this.held + this.decoder.decode();
    this.held = "";
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
