// What the runtime charges for the primitives a router's guarantees are made
// of (bench/primitives.ts): each request does `n` operations of one kind.
const KEY = "sk-mrd-bench-0123456789abcdef0123456789abcdef";
const encoder = new TextEncoder();
const BODY = JSON.stringify({
  model: "llama-8b",
  messages: [
    { role: "system", content: "You are a helpful assistant. Answer briefly and precisely." },
    { role: "user", content: "Summarise the main causes of the French Revolution in three sentences." },
  ],
  max_tokens: 64,
  temperature: 0.2,
});
const HEADERS = Array.from({ length: 12 }, (_, i) => [`x-meridian-h${i}`, `value-${i}-0123456789`]);

const OPS = {
  none: () => {},
  // Authentication with hashed keys: one SHA-256 of the presented key.
  digest: () => crypto.subtle.digest("SHA-256", encoder.encode(KEY)),
  // An attempt's time limit: a timer set and cleared, and the controller that aborts the fetch.
  timer: () => clearTimeout(setTimeout(() => {}, 60_000)),
  "abort-controller": () => {
    const c = new AbortController();
    c.signal.addEventListener("abort", () => {}, { once: true });
  },
  // The answer's headers (route, request id, rate limits...) and the response around them.
  "headers-12": () => new Headers(HEADERS),
  response: () => new Response("{}", { status: 200, headers: { "content-type": "application/json" } }),
  // Reading a chat request: parse and serialize again for the origin.
  "json-parse": () => JSON.parse(BODY),
  "json-stringify": (parsed) => JSON.stringify(parsed),
  "random-uuid": () => crypto.randomUUID(),
  // Work handed to the background (usage records, statistics, cache writes).
  "wait-until": (parsed, ctx) => ctx.waitUntil(Promise.resolve()),
  // One stage handing over to the next across an await.
  "await-hop": async () => {},
};

export default {
  async fetch(request, env, ctx) {
    const url = new URL(request.url);
    const name = url.searchParams.get("op") ?? "none";
    if (!Object.hasOwn(OPS, name)) return new Response("unknown op", { status: 400 });
    const op = OPS[name];
    const n = Number(url.searchParams.get("n") ?? 1);
    const parsed = JSON.parse(BODY);
    for (let i = 0; i < n; i++) {
      const out = op(parsed, ctx);
      if (out instanceof Promise) await out;
    }
    return new Response("ok");
  },
};
