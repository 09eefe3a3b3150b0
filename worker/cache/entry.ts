// What the cache stores for one answer, and how it is replayed. An answer is
// kept in the form it arrived in — a JSON body, or the list of SSE event
// payloads of a stream (replayed chunk for chunk) — and converted when a
// client asks for the other form.

export interface CacheEntry {
  v: 1;
  /** `json`: the origin's JSON body; `sse`: the `data:` payloads of its stream, without `[DONE]`. */
  form: "json" | "sse";
  body: string;
  events: string[];
  created: number;
}

type Json = Record<string, unknown>;
const encoder = new TextEncoder();

export function jsonEntry(body: string): CacheEntry {
  return { v: 1, form: "json", body, events: [], created: Date.now() };
}

/** Parses a recorded SSE stream; null unless it is complete and error-free. */
export function sseEntry(raw: string): CacheEntry | null {
  const events: string[] = [];
  let done = false;
  for (const block of raw.split(/\r?\n\r?\n/)) {
    for (const line of block.split(/\r?\n/)) {
      if (!line.startsWith("data:")) continue;
      const data = line.slice(5).trim();
      if (data === "[DONE]") done = true;
      else if (data.startsWith('{"error"')) return null;
      else events.push(data);
    }
  }
  return done && events.length > 0 ? { v: 1, form: "sse", body: "", events, created: Date.now() } : null;
}

/** The entry as a non-streamed JSON body. */
export function asJson(entry: CacheEntry): string {
  return entry.form === "json" ? entry.body : JSON.stringify(assemble(entry.events.map((e) => JSON.parse(e) as Json)));
}

/** The entry as SSE bytes: a recorded stream as it was, a JSON answer cut into chunks. */
export function asSse(entry: CacheEntry, includeUsage: boolean): Uint8Array {
  const events = entry.form === "sse" ? entry.events.filter((e) => includeUsage || !isUsageOnly(e)) : explode(JSON.parse(entry.body) as Json, includeUsage);
  return encoder.encode(events.map((e) => `data: ${e}\n\n`).join("") + "data: [DONE]\n\n");
}

function isUsageOnly(event: string): boolean {
  return event.includes('"choices":[]') && event.includes('"usage"');
}

/** Stream chunks back into one chat.completion / text_completion object. */
function assemble(chunks: Json[]): Json {
  const first = chunks[0] ?? {};
  const chat = first.object === "chat.completion.chunk";
  const choices = new Map<number, { text: string; finish: unknown; role: string }>();
  let usage: unknown = null;
  for (const chunk of chunks) {
    if (chunk.usage) usage = chunk.usage;
    for (const c of (chunk.choices as Json[] | undefined) ?? []) {
      const index = Number(c.index ?? 0);
      const slot = choices.get(index) ?? { text: "", finish: null, role: "assistant" };
      const delta = (c.delta as Json | undefined) ?? {};
      slot.text += String((chat ? delta.content : c.text) ?? "");
      if (typeof delta.role === "string") slot.role = delta.role;
      if (c.finish_reason) slot.finish = c.finish_reason;
      choices.set(index, slot);
    }
  }
  const out = [...choices.entries()].sort(([a], [b]) => a - b);
  return {
    id: first.id,
    object: chat ? "chat.completion" : "text_completion",
    created: first.created,
    model: first.model,
    choices: out.map(([index, c]) =>
      chat
        ? { index, message: { role: c.role, content: c.text }, finish_reason: c.finish, logprobs: null }
        : { index, text: c.text, finish_reason: c.finish, logprobs: null },
    ),
    ...(usage ? { usage } : {}),
  };
}

/** One JSON answer as stream chunks: role, content in word-sized pieces, finish, usage. */
function explode(body: Json, includeUsage: boolean): string[] {
  const chat = body.object === "chat.completion";
  const base = { id: body.id, object: chat ? "chat.completion.chunk" : "text_completion", created: body.created, model: body.model };
  const events: string[] = [];
  for (const c of (body.choices as Json[] | undefined) ?? []) {
    const index = c.index ?? 0;
    const text = String((chat ? (c.message as Json | undefined)?.content : c.text) ?? "");
    if (chat) events.push(JSON.stringify({ ...base, choices: [{ index, delta: { role: "assistant", content: "" }, finish_reason: null }] }));
    for (const piece of text.match(/\s*\S+|\s+$/g) ?? []) {
      const choice = chat ? { index, delta: { content: piece }, finish_reason: null } : { index, text: piece, finish_reason: null };
      events.push(JSON.stringify({ ...base, choices: [choice] }));
    }
    const end = chat ? { index, delta: {}, finish_reason: c.finish_reason ?? "stop" } : { index, text: "", finish_reason: c.finish_reason ?? "stop" };
    events.push(JSON.stringify({ ...base, choices: [end] }));
  }
  if (includeUsage && body.usage) events.push(JSON.stringify({ ...base, choices: [], usage: body.usage }));
  return events;
}
