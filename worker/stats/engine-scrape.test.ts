import { describe, expect, it } from "vitest";
import type { Origin } from "../schemas/admin";
import { MAX_METRICS_BYTES, MAX_METRICS_CHUNKS, metricsUrl, scrapeEngine } from "./engine-scrape";

const origin = (over: Partial<Origin> = {}): Origin => ({
  id: "o", base_url: "https://gpu.example.com/v1", region: "weur", lat: 0, lon: 0, models: { m: "m" }, price: { input_per_m: 1, output_per_m: 1 },
  weight: 1, draining: false, updated_at: 0, metrics: { format: "llamacpp" }, ...over,
});
const BODY = "llamacpp:requests_processing 2\nllamacpp:requests_deferred 5\nllamacpp:kv_cache_usage_ratio 0.5\n";

type Call = { url: string; init: RequestInit };
function fetcher(respond: (call: Call) => Response | Promise<Response>): { fetch: typeof fetch; calls: Call[] } {
  const calls: Call[] = [];
  return {
    calls,
    fetch: (async (url: string, init: RequestInit) => {
      const call = { url: String(url), init };
      calls.push(call);
      return respond(call);
    }) as unknown as typeof fetch,
  };
}

describe("metricsUrl", () => {
  it("is the path at the base URL's server root, /metrics by default, nothing without metrics", () => {
    expect(metricsUrl(origin())).toBe("https://gpu.example.com/metrics");
    expect(metricsUrl(origin({ base_url: "https://gpu.example.com/team/v1/", metrics: { format: "vllm", path: "/stats/prom" } }))).toBe("https://gpu.example.com/team/stats/prom");
    expect(metricsUrl(origin({ metrics: undefined }))).toBeNull();
    expect(metricsUrl(origin({ metrics: null }))).toBeNull();
  });
});

describe("scrapeEngine", () => {
  it("sends the origin's own credential, follows no redirect, and parses the answer", async () => {
    const f = fetcher(() => new Response(BODY));
    const r = await scrapeEngine(origin({ auth: { header: "authorization", value: "Bearer s" } }), null, 1000, f.fetch);
    expect(r!.load).toMatchObject({ waiting: 5, running: 2, kvUsage: 0.5 });
    expect(new Headers(f.calls[0]!.init.headers).get("authorization")).toBe("Bearer s");
    // The same page in a few chunks, without a declared length, reads the same.
    const pieces = BODY.match(/[^]{1,20}/g)!;
    const chunked = fetcher(() => new Response(new ReadableStream({ start: (c) => { for (const p of pieces) c.enqueue(new TextEncoder().encode(p)); c.close(); } })));
    expect((await scrapeEngine(origin(), null, 1000, chunked.fetch))!.load).toMatchObject({ waiting: 5, running: 2 });
    expect(f.calls[0]!.init.redirect).toBe("manual");
  });

  it("is null for a redirect, an error status, a connect error, a body over the cap, and too slow an answer", async () => {
    const cases: (() => Response | Promise<Response>)[] = [
      () => new Response(null, { status: 302, headers: { location: "https://elsewhere.example/" } }),
      () => new Response(BODY, { status: 500 }),
      () => Promise.reject(new Error("connect")),
      () => new Response(BODY + "#".repeat(MAX_METRICS_BYTES)),
      // a declared length over the cap: not read at all
      () => new Response(BODY, { headers: { "content-length": String(MAX_METRICS_BYTES + 1) } }),
      // a small page dribbled in more pieces than any real server sends
      () => new Response(new ReadableStream({ start: (c) => { for (let i = 0; i <= MAX_METRICS_CHUNKS; i++) c.enqueue(new TextEncoder().encode("#\n")); c.enqueue(new TextEncoder().encode(BODY)); c.close(); } })),
      () => new Promise(() => {}), // never answers
      // headers at once, then a body that never ends
      () => new Response(new ReadableStream({ start: (c) => c.enqueue(new TextEncoder().encode(BODY)) })),
    ];
    for (const [i, respond] of cases.entries()) {
      const t = Date.now();
      expect(await scrapeEngine(origin(), null, 100, fetcher(respond).fetch), `case ${i}`).toBeNull();
      expect(Date.now() - t, `case ${i}`).toBeLessThan(1000);
    }
  });
});
