import { describe, expect, it } from "vitest";
import { readJsonBody } from "./body";
import { ApiError } from "./errors";
import { MAX_JSON_DEPTH } from "./json-depth";

const post = (body: BodyInit | null, headers: Record<string, string> = {}) =>
  new Request("http://x/", { method: "POST", body, headers });

async function failure(promise: Promise<unknown>): Promise<ApiError> {
  const err = await promise.then(() => null, (e: unknown) => e);
  expect(err).toBeInstanceOf(ApiError);
  return err as ApiError;
}

describe("readJsonBody", () => {
  it("parses a JSON body", async () => {
    expect(await readJsonBody(post('{"a":[1,2]}'), 100)).toEqual({ a: [1, 2] });
  });

  it("rejects empty, malformed and non-UTF-8 bodies with 400s that say why", async () => {
    expect((await failure(readJsonBody(post(null), 100))).code).toBe("empty_body");
    const bad = await failure(readJsonBody(post("{nope"), 100));
    expect([bad.status, bad.code]).toEqual([400, "invalid_json"]);
    const latin1 = await failure(readJsonBody(post(new Uint8Array([0x7b, 0xff, 0x7d])), 100));
    expect(latin1.code).toBe("invalid_encoding");
    // The decoder is shared by every request: a body cut inside a character leaves nothing behind for the next.
    const cut = await failure(readJsonBody(post(new Uint8Array([0x7b, 0x22, 0xe2, 0x82])), 100));
    expect(cut.code).toBe("invalid_encoding");
    expect(await readJsonBody(post('{"a":"€"}'), 100)).toEqual({ a: "€" });
  });

  it("enforces the limit from Content-Length and while streaming", async () => {
    expect((await failure(readJsonBody(post("{}", { "content-length": "5000" }), 100))).status).toBe(413);
    const big = JSON.stringify({ text: "x".repeat(500) });
    const streamed = new ReadableStream({
      start(c) {
        c.enqueue(new TextEncoder().encode(big));
        c.close();
      },
    });
    expect((await failure(readJsonBody(post(streamed), 100))).status).toBe(413);
  });
});

describe("JSON depth", () => {
  const nested = (n: number) => `{"model":"m","x":${"[".repeat(n)}${"]".repeat(n)}}`;

  it("rejects a body nested deeper than the cap before parsing it", async () => {
    const err = await failure(readJsonBody(post(nested(200_000)), 1_000_000));
    expect([err.status, err.code]).toEqual([400, "json_too_deep"]);
    expect(err.message).toContain(String(MAX_JSON_DEPTH));
    expect((await failure(readJsonBody(post(nested(MAX_JSON_DEPTH)), 1_000_000))).code).toBe("json_too_deep");
  });

  it("accepts nesting up to the cap, and brackets inside strings do not count", async () => {
    expect(await readJsonBody(post(nested(MAX_JSON_DEPTH - 1)), 1_000_000)).toHaveProperty("model", "m");
    const text = JSON.stringify({ s: "[".repeat(500) + '\\"{{{' });
    expect(await readJsonBody(post(text), 1_000_000)).toEqual(JSON.parse(text));
  });
});
