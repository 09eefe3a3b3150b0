// Origins are trusted to answer, not to answer in bounded size: every origin
// body the router holds whole is read through here.
import { readMessageCapped } from "../http/read-bytes";

/** A non-streamed answer larger than this is the origin's failure (a 502 if no other origin answers). */
export const MAX_ORIGIN_BODY_BYTES = 16 * 1024 * 1024;
/** An origin's rejection is only read for its message. */
export const MAX_REJECTION_BYTES = 64 * 1024;

/** Whole bodies only (never `stream: true`), so one decoder serves every call. */
const utf8 = new TextDecoder();

/** The body as text if it has at most `max` bytes; null (and the rest left unread) if it has more. */
export async function readCapped(response: Response, max: number): Promise<string | null> {
  const bytes = await readMessageCapped(response, max);
  return bytes && utf8.decode(bytes);
}
