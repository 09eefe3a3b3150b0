// `x-meridian-cache-ttl` may shorten an entry's life, never lengthen it past
// the tenant's `ttl_s`; nonsense is ignored (the tenant's value applies).
import { env } from "cloudflare:workers";
import { beforeAll, describe, expect, it } from "vitest";
import { adminJson, chat, newTenant, registerOrigin, userMessage } from "./helpers";

beforeAll(async () => {
  await registerOrigin("ttl-origin", "healthy", { models: { "ttl-model": "llama-8b" } });
}, 60_000); // the first admin call of a cold runtime can be slow on a busy machine

/** The KV expiration (epoch seconds) of the exact-cache entries, once one is written. */
async function entryExpirations(seen: Set<string>): Promise<number[]> {
  const deadline = Date.now() + 10_000;
  for (;;) {
    const fresh = (await env.KV.list({ prefix: "cache:" })).keys.filter((k) => !seen.has(k.name));
    if (fresh.length > 0) {
      for (const k of fresh) seen.add(k.name);
      return fresh.map((k) => k.expiration ?? 0);
    }
    if (Date.now() > deadline) throw new Error("no cache entry was written");
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe("x-meridian-cache-ttl", () => {
  it("shortens an entry's life but never makes it outlive the tenant's ttl_s", async () => {
    const { id, key } = await newTenant();
    await adminJson("PUT", `/tenants/${id}/rules`, { cache: { exact: true, ttl_s: 300 } });
    const seen = new Set<string>();
    const cases: [header: string, expected: number][] = [
      ["120", 120],
      ["2592000", 300],
      ["1e300", 300],
      ["-5", 300],
      ["NaN", 300],
    ];
    for (const [i, [header, expected]] of cases.entries()) {
      const before = Math.floor(Date.now() / 1000);
      const res = await chat(key, { model: "ttl-model", messages: userMessage(`Count to ${i + 3}.`), temperature: 0, max_tokens: 4 }, { "x-meridian-cache-ttl": header });
      expect(res.status, header).toBe(200);
      expect(res.headers.get("x-meridian-cache"), header).toBe("miss");
      await res.arrayBuffer();
      const after = Math.ceil(Date.now() / 1000);
      for (const expiration of await entryExpirations(seen)) {
        expect(expiration, header).toBeGreaterThanOrEqual(before + expected - 1);
        expect(expiration, header).toBeLessThanOrEqual(after + expected + 1);
      }
    }
  });
});
