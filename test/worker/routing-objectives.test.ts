import { beforeAll, describe, expect, it } from "vitest";
import { chat, expectOpenAiError, newTenant, registerOrigin, userMessage } from "./helpers";

// What a request asks routing to optimize (x-meridian-policy, the `meridian`
// field, OpenRouter-style `provider` preferences), what `x-meridian-route`
// says was used, and prefix affinity for requests that carry a key.
const FRANKFURT = { region: "weur", lat: 50.1, lon: 8.7 };
const fromEurope = { "x-meridian-dev-region": "weur", "x-meridian-hedge": "off" };

let key: string;
const ask = (body: Record<string, unknown> = {}, headers: Record<string, string> = {}) =>
  chat(key, { model: "m-objective", messages: userMessage("Name a prime."), max_tokens: 5, ...body }, { ...fromEurope, ...headers });

async function routeOf(body: Record<string, unknown> = {}, headers: Record<string, string> = {}): Promise<{ origin: string; route: string }> {
  const res = await ask(body, headers);
  expect(res.status).toBe(200);
  await res.text();
  return { origin: res.headers.get("x-meridian-origin")!, route: res.headers.get("x-meridian-route")! };
}

beforeAll(async () => {
  key = (await newTenant()).key;
  await registerOrigin("objective-a", "healthy", { ...FRANKFURT, models: { "m-objective": "llama-8b" } });
  await registerOrigin("objective-b", "healthy2", { ...FRANKFURT, models: { "m-objective": "llama-8b" } });
  await registerOrigin("prefix-a", "healthy", { ...FRANKFURT, models: { "m-prefix": "llama-8b" } });
  await registerOrigin("prefix-b", "healthy2", { ...FRANKFURT, models: { "m-prefix": "llama-8b" } });
});

describe("objectives", () => {
  it("defaults to the first token (with the reading-speed floor) for streams and the last token otherwise", async () => {
    expect((await routeOf({ stream: true })).route).toMatch(/^ttft\(>=10tok\/s\); expected ttft \d+ms/);
    expect((await routeOf()).route).toMatch(/^throughput; expected \d+ms/);
  });

  it("takes the objective and the floor from headers and the meridian field, headers first", async () => {
    expect((await routeOf({}, { "x-meridian-policy": "ttft", "x-meridian-min-tokens-per-s": "25" })).route).toMatch(/^ttft\(>=25tok\/s\); /);
    expect((await routeOf({ stream: true }, { "x-meridian-min-tokens-per-s": "0" })).route).toMatch(/^ttft; /);
    expect((await routeOf({ stream: true, meridian: { policy: "throughput" } })).route).toMatch(/^throughput; /);
    expect((await routeOf({ meridian: { policy: "latency" } }, { "x-meridian-policy": "cost" })).route).toMatch(/^cost; price/);
    // The original objective is still there for tenants and requests that name it.
    expect((await routeOf({ stream: true }, { "x-meridian-policy": "latency" })).route).toMatch(/^latency; expected \d+ms \(ttft/);
  });

  it("maps OpenRouter's provider preferences, and lets the router's own steering win", async () => {
    expect((await routeOf({ provider: { sort: "price" } })).route).toMatch(/^cost; /);
    expect((await routeOf({ provider: { sort: "latency" } })).route).toMatch(/^ttft\(>=10tok\/s\); /);
    expect((await routeOf({ stream: true, provider: { sort: { by: "throughput", partition: "none" } } })).route).toMatch(/^throughput; /);
    expect((await routeOf({ stream: true, provider: { preferred_min_throughput: 40 } })).route).toMatch(/^ttft\(>=40tok\/s\); /);
    expect((await routeOf({ stream: true, provider: { preferred_min_throughput: { p50: 15, p90: 30 } } })).route).toMatch(/^ttft\(>=30tok\/s\); /);
    // Its other fields name OpenRouter's providers: accepted and not acted on.
    expect((await routeOf({ provider: { sort: "price", order: ["together"], allow_fallbacks: false } })).route).toMatch(/^cost; /);
    expect((await routeOf({ provider: { sort: "price" } }, { "x-meridian-policy": "throughput" })).route).toMatch(/^throughput; /);
    // A latency preference nobody can meet deprioritizes, never refuses.
    expect((await routeOf({ provider: { preferred_max_latency: 0.000001 } })).route).toContain("none met the preferences");
  });

  it("refuses nonsense with an OpenAI-shaped 400 naming the field or header", async () => {
    const cases: [Record<string, unknown>, Record<string, string>, RegExp][] = [
      [{ provider: { sort: "fastest" } }, {}, /body\.provider\.sort/],
      [{ provider: "latency" }, {}, /body\.provider/],
      [{ provider: { sort: { by: "__proto__" } } }, {}, /body\.provider\.sort/],
      [{ provider: { preferred_max_latency: -1 } }, {}, /preferred_max_latency/],
      [{ provider: { preferred_max_latency: 1e300 } }, {}, /preferred_max_latency/],
      [{ provider: { preferred_max_latency: { p42: 1 } } }, {}, /preferred_max_latency/],
      [{ provider: { preferred_min_throughput: "fast" } }, {}, /preferred_min_throughput/],
      [{ meridian: { min_tokens_per_s: -3 } }, {}, /min_tokens_per_s/],
      [{ prompt_cache_key: 42 }, {}, /prompt_cache_key/],
      [{ prompt_cache_key: { constructor: "x" } }, {}, /prompt_cache_key/],
      [{}, { "x-meridian-min-tokens-per-s": "fast" }, /x-meridian-min-tokens-per-s/],
      [{}, { "x-meridian-min-tokens-per-s": "1e9" }, /x-meridian-min-tokens-per-s/],
      [{}, { "x-meridian-policy": "constructor" }, /x-meridian-policy/],
    ];
    for (const [body, headers, pattern] of cases) {
      const error = await expectOpenAiError(await ask(body, headers), 400);
      expect(error.message, JSON.stringify([body, headers])).toMatch(pattern);
    }
    // A value quoted in an error is printable ASCII only.
    const error = await expectOpenAiError(await ask({}, { "x-meridian-min-tokens-per-s": "f\u00e9st" }), 400);
    expect(error.message).toContain("f?st");
  });
});

describe("prefix affinity", () => {
  it("sends one prompt_cache_key to one origin, says so, and spreads different keys", async () => {
    // Under the cost objective the two origins (same price) are always both in the near-best pool:
    // under a time objective a pool follows measured latency, which other test files' load on the
    // shared local fleet moves by more than the near-best slack, and a pool of one decides nothing.
    const byPrice = { "x-meridian-policy": "cost" };
    const picks: string[] = [];
    for (let i = 0; i < 12; i++) {
      const { origin, route } = await routeOf({ prompt_cache_key: "support-bot-v3" }, byPrice);
      expect(route).toMatch(/; affinity objective-[ab], choice 1 of 2; /);
      picks.push(origin);
    }
    // Rendezvous hashing has no randomness: one key, one origin, every time.
    expect(new Set(picks).size).toBe(1);
    // Different keys spread over the pool (24 keys on one origin by chance: 1 in 8 million).
    const spread = new Set<string>();
    for (let i = 0; i < 24; i++) {
      const { origin, route } = await routeOf({ prompt_cache_key: `tenant-session-${i}` }, byPrice);
      expect(route).toContain("choice 1 of 2");
      spread.add(origin);
    }
    expect(spread.size).toBe(2);
  });

  it("derives a key from a long shared system prompt, and hostile keys and users are just keys", async () => {
    const system = { role: "system", content: "You are a careful assistant for the Meridian docs. ".repeat(60) };
    const first = await routeOf({ messages: [system, { role: "user", content: "What is a PoP?" }] });
    expect(first.route).toContain("; affinity ");
    const again = await routeOf({ messages: [system, { role: "user", content: "And a region?" }] });
    expect(again.route).toContain("; affinity ");
    for (const hostile of ["__proto__", "constructor", "x\r\nset-cookie: a=b", "\u0000".repeat(5000), "é".repeat(100_000)]) {
      const { route } = await routeOf({ prompt_cache_key: hostile, user: hostile });
      expect(route).toMatch(/; affinity objective-[ab], /);
      expect(route).not.toContain(hostile.slice(0, 8));
    }
  });

  it("lands shared-prefix traffic on one origin, whose prefix cache then serves it (cached_tokens > 0)", async () => {
    // A system prompt no other test sends (~6 KB, ~1,500 tokens), and a different question each time.
    const system = { role: "system", content: `Case ${crypto.randomUUID()}: you are the support assistant of a railway company. `.repeat(70) };
    const landed: string[] = [];
    const cached: number[] = [];
    for (let i = 0; i < 8; i++) {
      const res = await chat(key, { model: "m-prefix", messages: [system, { role: "user", content: `Question ${i}: when is the next train?` }], max_tokens: 4 }, fromEurope);
      expect(res.status).toBe(200);
      expect(res.headers.get("x-meridian-route")).toMatch(/; affinity prefix-[ab], choice 1 of [12]; /);
      landed.push(res.headers.get("x-meridian-origin")!);
      const body = (await res.json()) as { usage: { prompt_tokens_details?: { cached_tokens?: number } } };
      cached.push(body.usage.prompt_tokens_details?.cached_tokens ?? 0);
    }
    const home = landed[0]!;
    expect(landed.filter((o) => o === home).length).toBeGreaterThanOrEqual(7);
    // Every request after the first on the same origin finds the system prompt in its cache.
    const repeats = cached.filter((_, i) => i > 0 && landed[i] === home);
    expect(repeats.every((n) => n >= 1_000)).toBe(true);
  });
});
