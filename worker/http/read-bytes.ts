// Every body Meridian holds whole (a client's request, a sign-in form, an
// origin's answer) is read through here: the limit is enforced while reading,
// since Content-Length can be absent or lie.

/** The stream's bytes if there are at most `limit`; null (and the rest left unread) if there are more. */
export async function readBytesCapped(body: ReadableStream<Uint8Array>, limit: number): Promise<Uint8Array | null> {
  const reader = body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > limit) {
      void reader.cancel().catch(() => {});
      return null;
    }
    chunks.push(value);
  }
  if (chunks.length === 1) return chunks[0]!;
  const out = new Uint8Array(size);
  let at = 0;
  for (const chunk of chunks) {
    out.set(chunk, at);
    at += chunk.byteLength;
  }
  return out;
}

/**
 * The whole body of a request or a response if it has at most `limit` bytes;
 * null if it has more. A message from the network that declares its length
 * is framed by it (the runtime reads exactly that many bytes), so a declared
 * length within the limit is read in one native call instead of a JavaScript
 * read per chunk; the size is still checked after, for a message built in code.
 */
export async function readMessageCapped(message: Request | Response, limit: number): Promise<Uint8Array | null> {
  if (!message.body) return new Uint8Array(0);
  const declared = message.headers.get("content-length");
  if (declared !== null && /^\d{1,15}$/.test(declared) && Number(declared) <= limit) {
    const bytes = new Uint8Array(await message.arrayBuffer());
    return bytes.byteLength <= limit ? bytes : null;
  }
  return readBytesCapped(message.body, limit);
}
