// Passes an SSE stream on in whole events only. An origin that breaks off, or
// is cut off, in the middle of an event must not leave half an event in front
// of the error event the relay then sends: the client would parse the two as
// one garbled event. Origins send whole events per chunk, so the usual chunk
// goes through untouched and uncopied; only a partial tail is held, as a list
// of pieces joined once when the event ends (an endless line arriving in
// small chunks costs linear time, not quadratic).

/** An event that has not ended after this many bytes is cut off: the framer never holds more. */
export const MAX_HELD_EVENT_BYTES = 4 * 1024 * 1024;

const LF = 10;
const CR = 13;

export class EventFramer {
  private held: Uint8Array[] = [];
  private heldLength = 0;
  /** The last two bytes held, for a blank line split across chunks. */
  private tail1 = -1;
  private tail2 = -1;
  /** An event ran past MAX_HELD_EVENT_BYTES: the stream cannot go on. */
  overflowed = false;

  /** The whole events this chunk completes (possibly none yet). */
  push(chunk: Uint8Array): Uint8Array | null {
    const cut = this.afterLastBoundary(chunk);
    if (cut === 0) {
      this.hold(chunk);
      return null;
    }
    const out = this.heldLength === 0 ? (cut === chunk.byteLength ? chunk : chunk.subarray(0, cut)) : this.join(chunk.subarray(0, cut));
    this.held = [];
    this.heldLength = 0;
    this.tail1 = this.tail2 = -1;
    if (cut < chunk.byteLength) this.hold(chunk.slice(cut));
    return out;
  }

  /** Bytes of an unfinished event: an SSE client drops those at the end of a stream, so the relay does too. */
  get heldBytes(): number {
    return this.heldLength;
  }

  private hold(piece: Uint8Array): void {
    this.held.push(piece);
    this.heldLength += piece.byteLength;
    const n = piece.byteLength;
    this.tail2 = n >= 2 ? piece[n - 2]! : this.tail1;
    this.tail1 = piece[n - 1]!;
    if (this.heldLength > MAX_HELD_EVENT_BYTES) {
      this.overflowed = true;
      this.held = [];
      this.heldLength = 0;
    }
  }

  private join(last: Uint8Array): Uint8Array {
    const out = new Uint8Array(this.heldLength + last.byteLength);
    let at = 0;
    for (const piece of this.held) {
      out.set(piece, at);
      at += piece.byteLength;
    }
    out.set(last, at);
    return out;
  }

  /** The index in `chunk` just past the last blank line (`\n\n` or `\n\r\n`), which may begin in what is held; 0 if none. */
  private afterLastBoundary(chunk: Uint8Array): number {
    const at = (i: number): number => (i >= 0 ? chunk[i]! : i === -1 ? this.tail1 : this.tail2);
    for (let i = chunk.byteLength - 1; i >= 0; i--) {
      if (chunk[i] !== LF) continue;
      const before = at(i - 1);
      if (before === LF || (before === CR && at(i - 2) === LF)) return i + 1;
    }
    return 0;
  }
}
