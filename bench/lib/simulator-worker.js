// Costs of Miniflare's local KV and Cache API simulators, which run inside the
// same workerd as the router: each request does `n` operations of one kind.
export default {
  async fetch(request, env) {
    const url = new URL(request.url);
    const op = url.searchParams.get("op");
    const n = Number(url.searchParams.get("n") ?? 1);
    const run = Number(url.searchParams.get("run") ?? 0);
    const value = JSON.stringify({ value: { text: "x".repeat(600) }, expires: Date.now() + 3_600_000 });
    for (let i = 0; i < n; i++) {
      const key = `k:${run}:${i}`;
      const cacheUrl = `https://cache.meridian.internal/bench/${key}`;
      if (op === "kv-put") await env.KV.put(key, value, { expirationTtl: 3600 });
      else if (op === "kv-get") await env.KV.get(key, "json");
      else if (op === "kv-get-miss") await env.KV.get(`absent:${key}`, "json");
      else if (op === "cache-put") await caches.default.put(cacheUrl, new Response(value, { headers: { "cache-control": "max-age=3600" } }));
      else if (op === "cache-match") await (await caches.default.match(cacheUrl))?.text();
      else if (op === "cache-match-miss") await caches.default.match(`${cacheUrl}/absent`);
      else if (op !== "none") return new Response("unknown op", { status: 400 });
    }
    return new Response("ok");
  },
};
