import { describe, expect, it } from "vitest";
import type { TenantRecord } from "../schemas/admin";
import { canonicalJson, exactKey, semanticParts } from "./keys";

const tenant = (cache_generation?: TenantRecord["cache_generation"]): TenantRecord => ({ id: "t1", name: "t1", created_at: 0, updated_at: 0, ...(cache_generation ? { cache_generation } : {}) });

/** The recursive definition canonicalJson must keep producing. */
function reference(value: unknown): string {
  if (value === null || typeof value !== "object") return JSON.stringify(value) ?? "null";
  if (Array.isArray(value)) return `[${value.map(reference).join(",")}]`;
  const keys = Object.keys(value).sort();
  return `{${keys.map((k) => `${JSON.stringify(k)}:${reference((value as Record<string, unknown>)[k])}`).join(",")}}`;
}

/** `depth` levels of arrays and objects around a string. */
function nested(depth: number): unknown {
  let v: unknown = "core";
  for (let i = 0; i < depth; i++) v = i % 2 ? [v, i] : { k: v, n: i };
  return v;
}

describe("canonicalJson", () => {
  it("sorts object keys and otherwise writes JSON, as the recursive definition does", () => {
    const values: unknown[] = [
      null,
      "x",
      1.5,
      true,
      [],
      {},
      [1, "a", null, [2, [3]], { b: 1, a: 2 }],
      { z: { y: [1, { d: 1, c: 2 }], x: "é\u0000\"" }, a: [], m: {} },
      { undef: undefined, list: [undefined, () => 1] },
      JSON.parse('{"__proto__": {"b": 1, "a": 2}, "constructor": 1}'),
      nested(50),
    ];
    for (const v of values) expect(canonicalJson(v)).toBe(reference(v));
    expect(canonicalJson({ b: 1, a: { d: 2, c: 3 } })).toBe(canonicalJson({ a: { c: 3, d: 2 }, b: 1 }));
  });

  it("takes any depth without overflowing the stack", () => {
    const depth = 100_000;
    const json = canonicalJson(nested(depth));
    expect(json.startsWith('[{"k":[{"k":') || json.startsWith('{"k":[{"k":')).toBe(true);
    expect(json.length).toBeGreaterThan(depth * 5);
    let deepArrays: unknown = 1;
    for (let i = 0; i < depth; i++) deepArrays = [deepArrays];
    expect(canonicalJson(deepArrays)).toBe(`${"[".repeat(depth)}1${"]".repeat(depth)}`);
  });
});

describe("exactKey", () => {
  const body = { model: "fast", messages: [{ role: "user", content: "hi" }], temperature: 0 };

  it("names the model that answers, not the name the client used", async () => {
    expect(await exactKey(tenant(), "/chat/completions", "llama-8b", body)).toBe(await exactKey(tenant(), "/chat/completions", "llama-8b", { ...body, model: "llama-8b" }));
    expect(await exactKey(tenant(), "/chat/completions", "llama-8b", body)).not.toBe(await exactKey(tenant(), "/chat/completions", "llama-1.5b", body));
  });

  it("ignores delivery fields and key order", async () => {
    const key = await exactKey(tenant(), "/chat/completions", "m", body);
    expect(await exactKey(tenant(), "/chat/completions", "m", { temperature: 0, stream: true, user: "u", metadata: { a: 1 }, messages: body.messages, model: "x" })).toBe(key);
  });

  it("keeps a `__proto__` field a field: bodies that differ in it have different keys", async () => {
    const a = JSON.parse('{"model":"m","messages":[],"__proto__":{"x":1}}') as Record<string, unknown>;
    const b = JSON.parse('{"model":"m","messages":[],"__proto__":{"x":2}}') as Record<string, unknown>;
    expect(await exactKey(tenant(), "/chat/completions", "m", a)).not.toBe(await exactKey(tenant(), "/chat/completions", "m", b));
  });

  it("reads a model's purge generation as an own key only", async () => {
    const purged = tenant({ all: 0, models: { "llama-8b": 1 } });
    for (const model of ["constructor", "__proto__", "toString"]) {
      expect(await exactKey(purged, "/chat/completions", model, body), model).toBe(await exactKey(tenant(), "/chat/completions", model, body));
    }
    expect(await exactKey(purged, "/chat/completions", "llama-8b", body)).not.toBe(await exactKey(tenant(), "/chat/completions", "llama-8b", body));
  });
});

describe("semanticParts", () => {
  it("scopes the conversation prefix by the model that answers", async () => {
    const a = await semanticParts(tenant(), "/chat/completions", "llama-8b", { model: "fast", messages: [{ role: "user", content: "hi there" }] });
    const b = await semanticParts(tenant(), "/chat/completions", "llama-8b", { model: "llama-8b", messages: [{ role: "user", content: "hi there" }] });
    const c = await semanticParts(tenant(), "/chat/completions", "llama-1.5b", { model: "fast", messages: [{ role: "user", content: "hi there" }] });
    expect(a).toEqual(b);
    expect(a?.text).toBe("hi there");
    expect(c?.prefixKey).not.toBe(a?.prefixKey);
  });
});
