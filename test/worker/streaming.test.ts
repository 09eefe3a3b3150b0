import { beforeAll, describe, expect, it } from "vitest";
import { chat, newTenant, readSse, registerOrigin, request, userMessage } from "./helpers";

let key: string;

beforeAll(async () => {
  await registerOrigin("paced", "paced", { models: { "llama-8b": "llama-8b" } });
  await registerOrigin("cut", "dropping", { models: { "m-drop": "llama-8b" } });
  await registerOrigin("garbled", "malformed", { models: { "m-bad": "llama-8b" } });
  key = (await newTenant()).key;
});

const stream = (model: string, extra: Record<string, unknown> = {}) =>
  chat(key, { model, messages: userMessage("Tell me a story about a lighthouse."), stream: true, max_tokens: 40, ...extra });

describe("a garbled stream", () => {
  it("ends with an error event instead of relaying a malformed frame", async () => {
    const res = await stream("m-bad");
    expect(res.status).toBe(200);
    const { events } = await readSse(res);
    for (const data of events) expect(() => JSON.parse(data), data).not.toThrow();
    expect(JSON.parse(events.at(-1)!)).toMatchObject({ error: { code: "stream_malformed", type: "upstream_error" } });
  });
});

describe("streaming passthrough", () => {
  it("relays tokens as the origin produces them, not at the end", async () => {
    const res = await stream("llama-8b");
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toMatch(/text\/event-stream/);
    const { events, arrivals } = await readSse(res);
    expect(events.at(-1)).toBe("[DONE]");
    const contentEvents = events.filter((e) => e.includes('"content"'));
    expect(contentEvents.length).toBeGreaterThan(10);
    // The paced origin spends several ms per token: a buffering proxy would
    // deliver everything in one or two reads at the end.
    expect(arrivals.length).toBeGreaterThan(5);
    expect(arrivals.at(-1)! - arrivals[0]!).toBeGreaterThan(50);
    for (const e of events.slice(0, -1)) expect(JSON.parse(e).object).toBe("chat.completion.chunk");
  });

  it("honours stream_options.include_usage", async () => {
    const withUsage = await readSse(await stream("llama-8b", { stream_options: { include_usage: true } }));
    const usage = withUsage.events.map((e) => (e === "[DONE]" ? null : JSON.parse(e))).find((e) => e?.usage);
    expect(usage.choices).toEqual([]);
    const content = withUsage.events.filter((e) => e.includes('"content"') && !e.includes('"role"')).length;
    expect(usage.usage.completion_tokens).toBe(content);
    const without = await readSse(await stream("llama-8b"));
    expect(without.events.some((e) => e.includes('"usage"') && !e.includes('"usage":null'))).toBe(false);
  });

  it("streams completions too", async () => {
    const res = await request("POST", "/v1/completions", { body: { model: "llama-8b", prompt: "Hello", stream: true }, headers: { authorization: `Bearer ${key}` } });
    const { events } = await readSse(res);
    expect(events.at(-1)).toBe("[DONE]");
    expect(JSON.parse(events[0]!).object).toBe("text_completion");
  });

  it("ends a stream cut mid-way with a well-formed error event, not silence", async () => {
    const res = await stream("m-drop");
    expect(res.status).toBe(200);
    const { events } = await readSse(res);
    const last = JSON.parse(events.at(-1)!);
    expect(last.error).toMatchObject({ type: "upstream_error" });
    expect(["stream_interrupted", "stream_truncated"]).toContain(last.error.code);
    expect(events.some((e) => e.includes('"content"'))).toBe(true);
  });
});
