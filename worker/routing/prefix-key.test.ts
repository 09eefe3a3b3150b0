import { describe, expect, it } from "vitest";
import { ApiError } from "../http/errors";
import { LEADING_CHARS, MIN_PREFIX_TOKENS, prefixKey } from "./prefix-key";

const system = { role: "system", content: "You answer questions about Meridian's routing. ".repeat(40) }; // ~1,900 chars
const chat = (...messages: unknown[]) => ({ model: "m", messages });
const user = (content: string) => ({ role: "user", content });
const assistant = (content: string) => ({ role: "assistant", content });

describe("prefixKey", () => {
  it("keys a shared system prompt the same whatever the new turn says", () => {
    const a = prefixKey(chat(system, user("What is a PoP?")), "t1");
    const b = prefixKey(chat(system, user("And a region?")), "t1");
    expect(a.key).not.toBeNull();
    expect(a.key).toBe(b.key);
    expect(a.tokens).toBeGreaterThanOrEqual(MIN_PREFIX_TOKENS);
  });

  it("hashes only the first LEADING_CHARS of a long system prompt", () => {
    const head = "x".repeat(LEADING_CHARS);
    expect(prefixKey(chat({ role: "system", content: `${head}tail one` }, user("hi")), "t1").key).toBe(
      prefixKey(chat({ role: "system", content: `${head}other tail` }, user("hi")), "t1").key,
    );
  });

  it("keys a conversation with a short system prompt by its opening, so it keeps its key as it grows", () => {
    const short = { role: "system", content: "Be brief." };
    expect(prefixKey(chat(short, user("Plan a trip to Kyoto.")), "t1").key).toBeNull();
    const two = prefixKey(chat(short, user("Plan a trip to Kyoto."), assistant("Day 1: ..."), user("Cheaper?")), "t1");
    const three = prefixKey(chat(short, user("Plan a trip to Kyoto."), assistant("Day 1: ..."), user("Cheaper?"), assistant("Hostels."), user("And food?")), "t1");
    expect(two.key).not.toBeNull();
    expect(three.key).toBe(two.key);
    expect(three.tokens).toBeGreaterThan(two.tokens);
    const other = prefixKey(chat(short, user("Plan a trip to Oslo."), assistant("Day 1: ..."), user("Cheaper?")), "t1");
    expect(other.key).not.toBe(two.key);
  });

  it("tells different prompts, tenants and users apart", () => {
    const other = { role: "system", content: "You answer questions about billing. ".repeat(60) };
    const base = prefixKey(chat(system, user("q")), "t1").key;
    expect(prefixKey(chat(other, user("q")), "t1").key).not.toBe(base);
    expect(prefixKey(chat(system, user("q")), "t2").key).not.toBe(base);
    const alice = prefixKey({ ...chat(system, user("q")), user: "alice" }, "t1").key;
    const bob = prefixKey({ ...chat(system, user("q")), user: "bob" }, "t1").key;
    expect(alice).not.toBe(bob);
    expect(alice).not.toBe(base);
    expect(alice!.startsWith("u")).toBe(true);
    expect(base!.startsWith("p")).toBe(true);
  });

  it("gives no key to a short prompt: too little prefill to be worth it", () => {
    expect(prefixKey(chat(user("What is 2 + 2?")), "t1")).toEqual({ key: null, tokens: 0 });
  });

  it("takes prompt_cache_key whatever the prompt, per tenant, and refuses one that is not a string", () => {
    const a = prefixKey({ ...chat(user("a")), prompt_cache_key: "session-1" }, "t1");
    const b = prefixKey({ ...chat(user("b")), prompt_cache_key: "session-1" }, "t1");
    expect(a.key).toBe(b.key);
    expect(a.key!.startsWith("c")).toBe(true);
    expect(prefixKey({ ...chat(user("a")), prompt_cache_key: "session-1" }, "t2").key).not.toBe(a.key);
    for (const bad of [42, {}, ["x"], true]) expect(() => prefixKey({ ...chat(user("a")), prompt_cache_key: bad }, "t1")).toThrow(ApiError);
    expect(prefixKey({ ...chat(user("a")), prompt_cache_key: null }, "t1").key).toBeNull();
  });

  it("turns hostile values into short hex keys, never echoing them", () => {
    const hostile = ["__proto__", "constructor", "a\r\nset-cookie: x=y", "\u0000\uffff", "😀".repeat(50_000)];
    for (const v of hostile) {
      const k = prefixKey({ ...chat(system, user("q")), prompt_cache_key: v, user: v }, "t1").key!;
      expect(k).toMatch(/^c[0-9a-f]{8}$/);
      const u = prefixKey({ ...chat(system, user("q")), user: v }, v).key!;
      expect(u).toMatch(/^u[0-9a-f]{8}$/);
    }
  });

  it("walks tools, instructions, prompts and inputs, and survives deep nesting", () => {
    const tools = [{ type: "function", function: { name: "search", parameters: { type: "object", properties: { q: { type: "string", description: "d".repeat(2000) } } } } }];
    const withTools = prefixKey({ ...chat(user("q")), tools }, "t1");
    expect(withTools.key).not.toBeNull();
    const otherTools = prefixKey({ ...chat(user("q")), tools: [{ ...tools[0], function: { ...tools[0]!.function, name: "fetch" } }] }, "t1");
    expect(otherTools.key).not.toBe(withTools.key);
    expect(prefixKey({ model: "m", prompt: "p".repeat(2000) }, "t1").key).not.toBeNull();
    expect(prefixKey({ model: "m", instructions: "i".repeat(2000), input: "hi" }, "t1").key).not.toBeNull();
    let deep: unknown = "leaf";
    for (let i = 0; i < 100_000; i++) deep = [deep];
    expect(() => prefixKey({ ...chat(system, { role: "user", content: deep }), user: "u" }, "t1")).not.toThrow();
  });
});
