// Real-HTTP tests of one origin: wire format, timing behaviour, faults,
// disconnects. Speeds are raised so the whole file runs in a few seconds.

import { performance } from "node:perf_hooks";
import type { OpenAI } from "openai";
import { afterEach, describe, expect, it } from "vitest";
import { parseExposition, valueOf } from "./metrics-parse.test-helper";
import { startOrigin, type OriginOptions, type RunningOrigin } from "./server";
import { countTokens, generateCompletion } from "./text";

const running: RunningOrigin[] = [];
afterEach(async () => {
  await Promise.all(running.splice(0).map((o) => o.close()));
});

async function origin(opts: Partial<OriginOptions> = {}): Promise<RunningOrigin> {
  const o = await startOrigin({ id: "test-origin", models: ["llama-8b"], profile: "llama-8b", speed: 20, ...opts });
  running.push(o);
  return o;
}

type Body = Record<string, unknown>;
type ChatCompletion = OpenAI.Chat.ChatCompletion;
type ChatChunk = OpenAI.Chat.ChatCompletionChunk;
type TextCompletion = OpenAI.Completion;
type ResponseObject = OpenAI.Responses.Response;
type ResponseEvent = OpenAI.Responses.ResponseStreamEvent;
interface Embeddings {
  object: string;
  model: string;
  data: { object: string; index: number; embedding: number[] | string }[];
  usage: { prompt_tokens: number; total_tokens: number };
}
interface ErrorBody {
  error: { message: string; type: string; param: string | null; code: string | null };
}

async function json<T>(res: Response | Promise<Response>): Promise<T> {
  return (await (await res).json()) as T;
}

function post(o: RunningOrigin, path: string, body: unknown, init: RequestInit = {}): Promise<Response> {
  return fetch(o.url + path, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: typeof body === "string" ? body : JSON.stringify(body),
    ...init,
  });
}

const chat = (content: string, extra: Body = {}): Body => ({
  model: "llama-8b",
  messages: [{ role: "user", content }],
  ...extra,
});

interface Frame {
  event: string | null;
  data: string;
  at: number;
}

/** Yield SSE frames as they arrive, stamped with their arrival time. */
async function* frames(res: Response): AsyncGenerator<Frame> {
  const reader = res.body!.getReader();
  const dec = new TextDecoder();
  let buf = "";
  for (;;) {
    const { done, value } = await reader.read();
    if (done) return;
    const at = performance.now();
    buf += dec.decode(value, { stream: true });
    let i: number;
    while ((i = buf.indexOf("\n\n")) >= 0) {
      const raw = buf.slice(0, i);
      buf = buf.slice(i + 2);
      let event: string | null = null;
      let data = "";
      for (const line of raw.split("\n")) {
        if (line.startsWith("event: ")) event = line.slice(7);
        else if (line.startsWith("data: ")) data += line.slice(6);
      }
      yield { event, data, at };
    }
  }
}

async function allFrames(res: Response): Promise<Frame[]> {
  const out: Frame[] = [];
  for await (const f of frames(res)) out.push(f);
  return out;
}

/** A prompt of exactly `n` tokens. */
const promptOf = (n: number): string => Array.from({ length: n }, (_, i) => (i % 2 ? "river" : "stone")).join(" ");

/** A prompt whose natural completion is at least `min` tokens (deterministic search). */
function longAnswerPrompt(min: number, model = "llama-8b", tag = ""): string {
  for (let i = 0; ; i++) {
    const p = `Tell me a story ${tag}${i}.`;
    if (generateCompletion(model, p).pieces.length >= min) return p;
  }
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

async function until(cond: () => boolean, ms = 1000): Promise<void> {
  const end = performance.now() + ms;
  while (!cond()) {
    if (performance.now() > end) throw new Error("condition not reached");
    await sleep(2);
  }
}

describe("startOrigin", () => {
  it("starts on an ephemeral port and closes", async () => {
    const o = await startOrigin({ id: "fast", models: ["llama-1.5b"], profile: "llama-1.5b" });
    const other = await startOrigin({ id: "fast-2", models: ["llama-1.5b"], profile: "llama-1.5b" });
    expect(o.port).toBeGreaterThan(0);
    expect(other.port).not.toBe(o.port);
    await other.close();
    expect(o.url).toBe(`http://127.0.0.1:${o.port}`);
    expect(o.baseUrl).toBe(`${o.url}/v1`);
    await o.close();
    await o.close(); // idempotent
    await expect(fetch(`${o.url}/health`)).rejects.toThrow();
  });
});

describe("basic endpoints", () => {
  it("GET /health and /v1/models", async () => {
    const o = await origin({ models: ["llama-8b", "llama-8b-instruct"], networkDelayMs: 5 });
    const t0 = performance.now();
    const h = await fetch(`${o.url}/health`);
    expect(performance.now() - t0).toBeGreaterThanOrEqual(4);
    expect(h.status).toBe(200);
    expect(await h.json()).toEqual({ status: "ok" });
    const m = await fetch(`${o.baseUrl}/models`);
    expect(m.headers.get("x-meridian-origin")).toBe("test-origin");
    expect(await m.json()).toEqual({
      object: "list",
      data: [
        { id: "llama-8b", object: "model", created: expect.any(Number), owned_by: "meridian-fleet" },
        { id: "llama-8b-instruct", object: "model", created: expect.any(Number), owned_by: "meridian-fleet" },
      ],
    });
  });

  it.each([
    ["unknown model", chat("hi", { model: "gpt-9" }), 404, "model_not_found"],
    ["malformed JSON", "{nope", 400, "invalid_json"],
    ["missing messages", { model: "llama-8b" }, 400, "missing_required_parameter"],
    ["empty messages", { model: "llama-8b", messages: [] }, 400, "invalid_value"],
    ["bad max_tokens", chat("hi", { max_tokens: 0 }), 400, "invalid_value"],
    ["missing model", { messages: [{ role: "user", content: "x" }] }, 400, "missing_required_parameter"],
  ])("%s", async (_name, body, status, code) => {
    const o = await origin();
    const res = await post(o, "/v1/chat/completions", body);
    expect(res.status).toBe(status);
    const j = await json<ErrorBody>(res);
    expect(j.error).toMatchObject({ type: "invalid_request_error", code, message: expect.any(String) });
  });

  it("unknown paths are 404 in the OpenAI error shape", async () => {
    const o = await origin();
    const res = await post(o, "/v1/nope", {});
    expect(res.status).toBe(404);
    expect((await json<ErrorBody>(res)).error.type).toBe("invalid_request_error");
  });

  it("accepts any Authorization by default; requireAuth enforces one", async () => {
    const open = await origin();
    expect((await post(open, "/v1/chat/completions", chat("hi"), { headers: { authorization: "Bearer whatever" } })).status).toBe(200);
    const locked = await origin({ requireAuth: { header: "Authorization", value: "Bearer k" } });
    const denied = await post(locked, "/v1/chat/completions", chat("hi"));
    expect(denied.status).toBe(401);
    expect((await json<ErrorBody>(denied)).error.code).toBe("invalid_api_key");
    const ok = await post(locked, "/v1/chat/completions", chat("hi"), {
      headers: { "content-type": "application/json", authorization: "Bearer k" },
    });
    expect(ok.status).toBe(200);
  });
});

describe("chat completions", () => {
  it("non-streaming: OpenAI shape, deterministic content, exact usage", async () => {
    const o = await origin();
    const body = {
      model: "llama-8b",
      messages: [
        { role: "system", content: "You are terse." },
        { role: "user", content: [{ type: "text", text: "What is 2+2?" }, { type: "image_url", image_url: { url: "x" } }] },
      ],
    };
    const res = await post(o, "/v1/chat/completions", body);
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toBe("application/json");
    const j = await json<ChatCompletion>(res);
    const expected = generateCompletion("llama-8b", "You are terse.\nWhat is 2+2?");
    const content = expected.pieces.join("");
    expect(j).toEqual({
      id: expect.stringMatching(/^chatcmpl-/),
      object: "chat.completion",
      created: expect.any(Number),
      model: "llama-8b",
      choices: [{ index: 0, message: { role: "assistant", content }, finish_reason: "stop", logprobs: null }],
      usage: {
        prompt_tokens: 4 + 6,
        completion_tokens: expected.pieces.length,
        total_tokens: 10 + expected.pieces.length,
        prompt_tokens_details: { cached_tokens: 0 },
      },
    });
    expect(j.usage!.prompt_tokens).toBe(countTokens("You are terse.") + countTokens("What is 2+2?"));
    expect(j.usage!.completion_tokens).toBe(countTokens(content));
    expect(Math.abs(j.created - Date.now() / 1000)).toBeLessThan(5);
  });

  it("max_completion_tokens / max_tokens cap the output with finish_reason length", async () => {
    const o = await origin();
    for (const cap of [{ max_tokens: 3 }, { max_completion_tokens: 3 }, { max_completion_tokens: 3, max_tokens: 50 }]) {
      const j = await json<ChatCompletion>(post(o, "/v1/chat/completions", chat("hello", cap)));
      expect(j.choices[0]!.finish_reason).toBe("length");
      expect(j.usage!.completion_tokens).toBe(3);
      expect(j.choices[0]!.message.content).toBe(generateCompletion("llama-8b", "hello", 3).pieces.join(""));
    }
  });

  it("streaming: role chunk, one chunk per token, finish, usage, [DONE]", async () => {
    const o = await origin();
    const res = await post(o, "/v1/chat/completions", chat("hello", { stream: true, stream_options: { include_usage: true } }));
    expect(res.headers.get("content-type")).toBe("text/event-stream; charset=utf-8");
    const fs = await allFrames(res);
    expect(fs.at(-1)!.data).toBe("[DONE]");
    const chunks = fs.slice(0, -1).map((f) => JSON.parse(f.data) as ChatChunk);
    const expected = generateCompletion("llama-8b", "hello");
    const n = expected.pieces.length;
    expect(chunks).toHaveLength(1 + n + 1 + 1);
    const id = chunks[0]!.id as string;
    for (const c of chunks) {
      expect(c).toMatchObject({ id, object: "chat.completion.chunk", model: "llama-8b", created: expect.any(Number) });
      expect(c.usage === null || typeof c.usage === "object").toBe(true);
    }
    expect(chunks[0]!.choices).toEqual([{ index: 0, delta: { role: "assistant", content: "" }, logprobs: null, finish_reason: null }]);
    const pieces = chunks.slice(1, 1 + n).map((c) => {
      expect(c.choices[0]!.finish_reason).toBeNull();
      expect(Object.keys(c.choices[0]!.delta)).toEqual(["content"]);
      return c.choices[0]!.delta.content!;
    });
    expect(pieces).toEqual(expected.pieces);
    expect(chunks[n + 1]!.choices).toEqual([{ index: 0, delta: {}, logprobs: null, finish_reason: "stop" }]);
    expect(chunks[n + 2]).toMatchObject({ choices: [], usage: { prompt_tokens: 1, completion_tokens: n, total_tokens: n + 1 } });
  });

  it("streaming without include_usage has no usage chunk", async () => {
    const o = await origin();
    const fs = await allFrames(await post(o, "/v1/chat/completions", chat("hello", { stream: true, max_tokens: 4 })));
    const chunks = fs.slice(0, -1).map((f) => JSON.parse(f.data) as ChatChunk);
    expect(chunks).toHaveLength(1 + 4 + 1);
    expect(chunks.every((c) => !("usage" in c))).toBe(true);
    expect(chunks.at(-1)!.choices[0]!.finish_reason).toBe("length");
  });

  it("streams incrementally at decode pace: the first chunk arrives long before the last is produced", async () => {
    const speed = 2;
    const o = await origin({ speed });
    const prompt = longAnswerPrompt(30);
    const n = generateCompletion("llama-8b", prompt).pieces.length;
    const res = await post(o, "/v1/chat/completions", chat(prompt, { stream: true }));
    const times: number[] = [];
    for await (const f of frames(res)) {
      if (f.data === "[DONE]") break;
      const c = JSON.parse(f.data) as ChatChunk;
      if (c.choices[0]?.delta?.content) {
        if (times.length === 0) {
          // The sequence is still decoding when its first token reaches us.
          expect(o.stats()).toMatchObject({ running: 1, inFlight: 1 });
        }
        times.push(f.at);
      }
    }
    expect(times).toHaveLength(n);
    const stepMs = 6.5 / speed; // ~llama-8b batch-1 decode step
    expect(times.at(-1)! - times[0]!).toBeGreaterThan((n - 1) * stepMs * 0.8);
    // Spread out, not one burst: most tokens arrive in distinct reads.
    expect(new Set(times).size).toBeGreaterThan(n / 2);
  });
});

describe("timing", () => {
  async function ttft(o: RunningOrigin, prompt: string): Promise<number> {
    const t0 = performance.now();
    const res = await post(o, "/v1/chat/completions", chat(prompt, { stream: true, max_tokens: 2 }));
    let first = 0;
    for await (const f of frames(res)) {
      if (!first && f.data.includes('"content":"') && !f.data.includes('"role"')) first = f.at;
    }
    return first - t0;
  }

  it("TTFT grows with prompt length (prefill)", async () => {
    const o = await origin({ speed: 5 });
    const short = await ttft(o, promptOf(128));
    const long = await ttft(o, promptOf(8192));
    // Model: 10.2 ms vs 237.8 ms at speed 5 -> 2 ms vs 47.6 ms.
    expect(long - short).toBeGreaterThan(30);
  });

  it("TTFT grows with the queue: prefill is serialized", async () => {
    const speed = 2; // prefill (27 ms) dwarfs the arrival spread of the burst, even on a busy machine
    const o = await origin({ speed });
    // Warm up 8 keep-alive connections so the burst arrives at (nearly) once.
    await Promise.all(Array.from({ length: 8 }, () => ttft(o, "warm")));
    const ttfts = await Promise.all(Array.from({ length: 8 }, (_, i) => ttft(o, `${i} ${promptOf(2048)}`)));
    const prefill = 53.345 / speed;
    expect(Math.max(...ttfts) - Math.min(...ttfts)).toBeGreaterThan(4 * prefill);
    expect(Math.max(...ttfts)).toBeGreaterThan(7 * prefill);
  });

  it("concurrent requests share decode steps (batching), not a serial queue", async () => {
    const o = await origin({ profile: "llama-1.5b", models: ["llama-1.5b"], speed: 1 });
    const prompts = Array.from({ length: 32 }, (_, i) => longAnswerPrompt(40, "llama-1.5b", `${i}-`));
    const run = async (p: string): Promise<void> => {
      await (await post(o, "/v1/chat/completions", { model: "llama-1.5b", messages: [{ role: "user", content: p }] })).json();
    };
    const longest = prompts.reduce((a, b) =>
      generateCompletion("llama-1.5b", a).pieces.length >= generateCompletion("llama-1.5b", b).pieces.length ? a : b,
    );
    await run(longest);
    // A serial queue would never run two at once; batching runs many in one decode step.
    // Counted, not timed: a busy machine slows both the same way.
    let peak = 0;
    const burst = Promise.all(prompts.map(run));
    let settled = false;
    void burst.finally(() => (settled = true));
    while (!settled) {
      peak = Math.max(peak, o.stats().running);
      await sleep(1);
    }
    await burst;
    expect(peak).toBeGreaterThanOrEqual(8);
    expect(o.stats()).toMatchObject({ inFlight: 0, queued: 0, running: 0, served: 33, errors: 0 });
  });
});

describe("other endpoints", () => {
  it("/v1/completions with a string and an array prompt", async () => {
    const o = await origin();
    const one = await json<TextCompletion>(post(o, "/v1/completions", { model: "llama-8b", prompt: "Once upon" }));
    const exp = generateCompletion("llama-8b", "Once upon");
    expect(one).toMatchObject({
      id: expect.stringMatching(/^cmpl-/),
      object: "text_completion",
      model: "llama-8b",
      choices: [{ index: 0, text: exp.pieces.join(""), finish_reason: "stop", logprobs: null }],
      usage: { prompt_tokens: 2, completion_tokens: exp.pieces.length, total_tokens: 2 + exp.pieces.length },
    });
    const two = await json<TextCompletion>(post(o, "/v1/completions", { model: "llama-8b", prompt: ["a b", "c"], max_tokens: 4 }));
    expect(two.choices.map((c) => c.index)).toEqual([0, 1]);
    expect(two.usage).toEqual({ prompt_tokens: 3, completion_tokens: 8, total_tokens: 11, prompt_tokens_details: { cached_tokens: 0 } });
  });

  it("/v1/completions streaming", async () => {
    const o = await origin();
    const fs = await allFrames(
      await post(o, "/v1/completions", { model: "llama-8b", prompt: ["x", "y"], max_tokens: 3, stream: true, stream_options: { include_usage: true } }),
    );
    expect(fs.at(-1)!.data).toBe("[DONE]");
    const chunks = fs.slice(0, -1).map((f) => JSON.parse(f.data) as TextCompletion);
    expect(chunks.every((c) => c.object === "text_completion")).toBe(true);
    const text = (i: number): string =>
      chunks.filter((c) => c.choices[0]?.index === i).map((c) => c.choices[0]!.text).join("");
    expect(text(0)).toBe(generateCompletion("llama-8b", "x", 3).pieces.join(""));
    expect(text(1)).toBe(generateCompletion("llama-8b", "y", 3).pieces.join(""));
    expect(chunks.at(-1)).toMatchObject({ choices: [], usage: { prompt_tokens: 2, completion_tokens: 6 } });
  });

  it("/v1/embeddings: deterministic unit vectors, float and base64", async () => {
    const o = await origin();
    const j = await json<Embeddings>(post(o, "/v1/embeddings", { model: "llama-8b", input: ["hello world", "hi"] }));
    expect(j).toMatchObject({ object: "list", model: "llama-8b", usage: { prompt_tokens: 3, total_tokens: 3 } });
    expect(j.data).toHaveLength(2);
    const v = j.data[0]!.embedding as number[];
    expect(v).toHaveLength(64);
    expect(Math.hypot(...v)).toBeCloseTo(1, 9);
    const again = await json<Embeddings>(post(o, "/v1/embeddings", { model: "llama-8b", input: "hello world" }));
    expect(again.data[0]!.embedding).toEqual(v);
    const b = await json<Embeddings>(post(o, "/v1/embeddings", { model: "llama-8b", input: "hello world", encoding_format: "base64" }));
    const buf = Buffer.from(b.data[0]!.embedding as string, "base64");
    const f32 = new Float32Array(buf.buffer, buf.byteOffset, buf.byteLength / 4);
    expect(Array.from(f32)).toEqual(v.map((x) => Math.fround(x)));
  });

  it("/v1/responses non-streaming and streaming", async () => {
    const o = await origin();
    const body = { model: "llama-8b", instructions: "Be kind.", input: [{ role: "user", content: [{ type: "input_text", text: "Hi there" }] }] };
    const j = await json<ResponseObject>(post(o, "/v1/responses", body));
    const exp = generateCompletion("llama-8b", "Be kind.\nHi there");
    const text = exp.pieces.join("");
    expect(j).toMatchObject({
      id: expect.stringMatching(/^resp_/),
      object: "response",
      status: "completed",
      model: "llama-8b",
      output: [{ type: "message", role: "assistant", content: [{ type: "output_text", text }] }],
      usage: { input_tokens: 3 + 2, output_tokens: exp.pieces.length, total_tokens: 5 + exp.pieces.length },
    });
    const fs = await allFrames(await post(o, "/v1/responses", { ...body, stream: true }));
    const types = fs.map((f) => f.event);
    expect(types.slice(0, 4)).toEqual(["response.created", "response.in_progress", "response.output_item.added", "response.content_part.added"]);
    expect(types.slice(-4)).toEqual(["response.output_text.done", "response.content_part.done", "response.output_item.done", "response.completed"]);
    const events = fs.map((f) => JSON.parse(f.data) as ResponseEvent);
    expect(events.map((e) => e.sequence_number)).toEqual(events.map((_, i) => i));
    expect(events.filter((e) => e.type === "response.output_text.delta").map((e) => e.delta).join("")).toBe(text);
    const last = events.at(-1)!;
    expect(last.type === "response.completed" && last.response).toMatchObject({ status: "completed", usage: { output_tokens: exp.pieces.length } });
  });

  it("works with the official openai SDK", async () => {
    const { default: OpenAI } = await import("openai");
    const o = await origin();
    const client = new OpenAI({ baseURL: o.baseUrl, apiKey: "test", maxRetries: 0 });
    const c = await client.chat.completions.create({ model: "llama-8b", messages: [{ role: "user", content: "hello" }] });
    expect(c.choices[0]!.message.content).toBe(generateCompletion("llama-8b", "hello").pieces.join(""));
    const stream = await client.chat.completions.create({
      model: "llama-8b",
      messages: [{ role: "user", content: "hello" }],
      stream: true,
      stream_options: { include_usage: true },
    });
    let streamed = "";
    let usage: unknown = null;
    for await (const chunk of stream) {
      streamed += chunk.choices[0]?.delta.content ?? "";
      if (chunk.usage) usage = chunk.usage;
    }
    expect(streamed).toBe(c.choices[0]!.message.content);
    expect(usage).toEqual(c.usage);
    const e = await client.embeddings.create({ model: "llama-8b", input: "hello" }); // base64 under the hood
    expect(e.data[0]!.embedding).toHaveLength(64);
    const r = await client.responses.create({ model: "llama-8b", input: "hello" });
    expect(r.output_text).toBe(c.choices[0]!.message.content);
    await expect(client.chat.completions.create({ model: "nope", messages: [{ role: "user", content: "x" }] })).rejects.toMatchObject({
      status: 404,
      code: "model_not_found",
    });
  });
});

describe("faults", () => {
  it("errorRate fails an exact, repeatable subset (also /health)", async () => {
    const o = await origin({ faults: { errorRate: 0.5 } });
    const statuses: number[] = [];
    for (let i = 0; i < 4; i++) {
      const res = await post(o, "/v1/chat/completions", chat("hi", { max_tokens: 1 }));
      statuses.push(res.status);
      if (res.status === 500) expect((await json<ErrorBody>(res)).error).toMatchObject({ type: "server_error", code: "internal_error" });
      else await res.arrayBuffer();
    }
    expect(statuses).toEqual([200, 500, 200, 500]);
    o.setFaults({ errorRate: 1 });
    expect((await fetch(`${o.url}/health`)).status).toBe(500);
    o.setFaults({ errorRate: 0 });
    expect((await fetch(`${o.url}/health`)).status).toBe(200);
    expect(o.stats()).toMatchObject({ served: 2, errors: 2 });
  });

  it("status429 answers 429 with Retry-After", async () => {
    const o = await origin({ faults: { status429: { retryAfterSeconds: 7 } } });
    const res = await post(o, "/v1/chat/completions", chat("hi"));
    expect(res.status).toBe(429);
    expect(res.headers.get("retry-after")).toBe("7");
    expect((await json<ErrorBody>(res)).error.code).toBe("rate_limit_exceeded");
  });

  it("hang accepts and never answers; the abandoned request is cleaned up", async () => {
    const o = await origin({ faults: { hang: true } });
    const p = post(o, "/v1/chat/completions", chat("hi"), { signal: AbortSignal.timeout(100) });
    await until(() => o.stats().inFlight === 1);
    await expect(p).rejects.toThrow();
    await expect(fetch(`${o.url}/health`, { signal: AbortSignal.timeout(50) })).rejects.toThrow();
    await until(() => o.stats().inFlight === 0);
    expect(o.stats().errors).toBe(1);
  });

  it("reset destroys the connection immediately (also /health)", async () => {
    const o = await origin({ faults: { reset: true } });
    await expect(post(o, "/v1/chat/completions", chat("hi"))).rejects.toThrow();
    await expect(fetch(`${o.url}/health`)).rejects.toThrow();
    o.setFaults({ reset: false });
    expect((await post(o, "/v1/chat/completions", chat("hi"))).status).toBe(200);
  });

  it("dropAfterTokens cuts a stream after N content chunks", async () => {
    const o = await origin({ faults: { dropAfterTokens: 3 } });
    const res = await post(o, "/v1/chat/completions", chat("hello", { stream: true }));
    expect(res.status).toBe(200);
    const contents: string[] = [];
    await expect(
      (async () => {
        for await (const f of frames(res)) {
          const c = JSON.parse(f.data) as ChatChunk;
          if (c.choices[0]?.delta?.content) contents.push(c.choices[0].delta.content as string);
        }
      })(),
    ).rejects.toThrow();
    expect(contents).toEqual(generateCompletion("llama-8b", "hello").pieces.slice(0, 3));
    await until(() => o.stats().inFlight === 0 && o.stats().running === 0);
  });

  it("dropAfterTokens cuts a non-streaming body short", async () => {
    const o = await origin({ faults: { dropAfterTokens: 0 } });
    const res = await post(o, "/v1/chat/completions", chat("hello"));
    expect(res.status).toBe(200);
    await expect(res.text()).rejects.toThrow();
  });

  it("malformed sends invalid JSON / a malformed SSE event", async () => {
    const o = await origin({ faults: { malformed: true } });
    const res = await post(o, "/v1/chat/completions", chat("hello"));
    expect(res.status).toBe(200);
    await expect(res.json()).rejects.toThrow(SyntaxError);
    const fs = await allFrames(await post(o, "/v1/chat/completions", chat("hello", { stream: true })));
    expect(fs.some((f) => f.data === "[DONE]")).toBe(false);
    expect(() => fs.forEach((f) => JSON.parse(f.data))).toThrow(SyntaxError);
    expect(o.stats()).toMatchObject({ served: 0, errors: 2 });
  });

  it("can be steered over HTTP via /_fleet/faults and /_fleet/stats", async () => {
    const o = await origin();
    const set = await post(o, "/_fleet/faults", { status429: { retryAfterSeconds: 1 } });
    expect((await json<Record<string, unknown>>(set)).status429).toEqual({ retryAfterSeconds: 1 });
    expect((await post(o, "/v1/chat/completions", chat("hi"))).status).toBe(429);
    expect((await post(o, "/_fleet/faults", { status429: null })).status).toBe(200);
    expect((await post(o, "/v1/chat/completions", chat("hi"))).status).toBe(200);
    expect((await post(o, "/_fleet/faults", { errorRate: 7 })).status).toBe(400);
    expect(await (await fetch(`${o.url}/_fleet/faults`)).json()).toEqual(o.faults());
    // Control endpoints keep working while the origin is "dead".
    o.setFaults({ reset: true });
    expect(await (await fetch(`${o.url}/_fleet/stats`)).json()).toEqual({
      id: "test-origin",
      inFlight: 0,
      queued: 0,
      running: 0,
      kvUsage: 0,
      prefixQueriedTokens: 1,
      prefixHitTokens: 0,
      served: 1,
      errors: 1,
    });
  });
});

describe("prefix cache", () => {
  const SYSTEM = `You are the support agent of a bicycle shop. ${promptOf(1000)}`;
  const TOOLS = [{ type: "function", function: { name: "lookup_order", description: promptOf(300), parameters: { type: "object", properties: {} } } }];
  const ask = (question: string, extra: Body = {}): Body => ({
    model: "llama-8b",
    messages: [
      { role: "system", content: SYSTEM },
      { role: "user", content: question },
    ],
    max_tokens: 2,
    ...extra,
  });
  type Usage = { prompt_tokens: number; prompt_tokens_details: { cached_tokens: number } };

  async function timed(o: RunningOrigin, body: Body): Promise<{ ttft: number; usage: Usage }> {
    const t0 = performance.now();
    const res = await post(o, "/v1/chat/completions", { ...body, stream: true, stream_options: { include_usage: true } });
    let ttft = 0;
    let usage: Usage | null = null;
    for await (const f of frames(res)) {
      if (f.data === "[DONE]") break;
      const c = JSON.parse(f.data) as { choices: { delta: { content?: string } }[]; usage: Usage | null };
      if (!ttft && c.choices[0]?.delta.content) ttft = f.at - t0;
      if (c.usage) usage = c.usage;
    }
    return { ttft, usage: usage! };
  }

  it("a repeated prompt reports cached_tokens and starts sooner (streamed usage chunk)", async () => {
    const o = await origin({ speed: 2 });
    const long = (q: string): Body => ({ model: "llama-8b", max_tokens: 2, messages: [{ role: "system", content: promptOf(4000) }, { role: "user", content: q }] });
    const cold = await timed(o, long("Where is my order 1234?"));
    const warm = await timed(o, long("Where is my order 1234?"));
    expect(cold.usage.prompt_tokens_details.cached_tokens).toBe(0);
    const cached = warm.usage.prompt_tokens_details.cached_tokens;
    expect(cached % 16).toBe(0);
    expect(cached).toBeGreaterThan(cold.usage.prompt_tokens - 32);
    expect(cached).toBeLessThan(cold.usage.prompt_tokens);
    // 4007 tokens: a 111 ms prefill cold, the suffix's clamped 10.2 ms warm; halved at speed 2.
    expect(warm.ttft).toBeLessThan(cold.ttft - 25);
  });

  it("the system prompt and tools are a shared prefix; a different system prompt is not (JSON answers)", async () => {
    const o = await origin();
    const chatJson = async (body: Body): Promise<Usage> => (await json<{ usage: Usage }>(post(o, "/v1/chat/completions", body))).usage;
    const first = await chatJson(ask("first question", { tools: TOOLS }));
    const second = await chatJson(ask("a quite different second question", { tools: TOOLS }));
    const noTools = await chatJson(ask("first question"));
    // The tools count as prompt tokens, after the system prompt.
    expect(first.prompt_tokens).toBeGreaterThan(noTools.prompt_tokens + 300);
    expect(first.prompt_tokens_details.cached_tokens).toBe(0);
    const shared = Math.floor((countTokens(SYSTEM) + 300) / 16) * 16;
    expect(second.prompt_tokens_details.cached_tokens).toBeGreaterThanOrEqual(shared);
    expect(second.prompt_tokens_details.cached_tokens).toBeLessThan(second.prompt_tokens);
    // Without the tools the system prompt is still shared.
    expect(noTools.prompt_tokens_details.cached_tokens).toBe(Math.floor(countTokens(SYSTEM) / 16) * 16);
    const other = await chatJson({ ...ask("first question"), messages: [{ role: "system", content: `Other. ${SYSTEM}` }, { role: "user", content: "first question" }] });
    expect(other.prompt_tokens_details.cached_tokens).toBe(0);
    // The same text in another role is another prompt.
    const asUser = await chatJson({ model: "llama-8b", max_tokens: 2, messages: [{ role: "user", content: SYSTEM }] });
    expect(asUser.prompt_tokens_details.cached_tokens).toBe(0);
  });

  it("completions (text and token ids) and the Responses API report cached tokens too", async () => {
    const o = await origin();
    const text = promptOf(500);
    const ids = Array.from({ length: 100 }, (_, i) => i + 1000);
    for (let round = 0; round < 2; round++) {
      const c = await json<TextCompletion & { usage: Usage }>(post(o, "/v1/completions", { model: "llama-8b", prompt: [text, ids], max_tokens: 2 }));
      expect(c.usage.prompt_tokens_details.cached_tokens).toBe(round === 0 ? 0 : 496 + 96);
      const r = await json<ResponseObject>(post(o, "/v1/responses", { model: "llama-8b", instructions: text, input: "hi", max_output_tokens: 2 }));
      expect(r.usage!.input_tokens_details.cached_tokens).toBe(round === 0 ? 0 : 496);
    }
    const fs = await allFrames(await post(o, "/v1/completions", { model: "llama-8b", prompt: text, max_tokens: 2, stream: true, stream_options: { include_usage: true } }));
    const usage = JSON.parse(fs.at(-2)!.data) as { usage: Usage };
    expect(usage.usage.prompt_tokens_details.cached_tokens).toBe(496);
  });
});

describe("/metrics", () => {
  async function scrape(o: RunningOrigin): Promise<ReturnType<typeof parseExposition>> {
    const res = await fetch(`${o.url}/metrics`);
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toBe("text/plain; version=0.0.4; charset=utf-8");
    return parseExposition(await res.text());
  }

  it("vLLM names by default; the values move under load and settle after it", async () => {
    const o = await origin({ speed: 2, maxBatch: 4 });
    const idle = await scrape(o);
    expect(idle.get("vllm:num_requests_waiting")!.samples).toEqual([{ labels: { engine: "0", model_name: "llama-8b" }, value: 0 }]);
    expect(valueOf(idle, "vllm:kv_cache_usage_perc")).toBe(0);
    const burst = Promise.all(Array.from({ length: 8 }, (_, i) => post(o, "/v1/chat/completions", chat(`${i} ${promptOf(2000)}`, { max_tokens: 40 })).then((r) => r.json())));
    await until(() => o.stats().queued > 0 && o.stats().running > 0, 3000);
    const busy = await scrape(o);
    expect(valueOf(busy, "vllm:num_requests_waiting")).toBeGreaterThan(0);
    expect(valueOf(busy, "vllm:num_requests_running")).toBeGreaterThan(0);
    expect(valueOf(busy, "vllm:kv_cache_usage_perc")).toBeGreaterThan(0);
    expect(valueOf(busy, "vllm:kv_cache_usage_perc")).toBeLessThanOrEqual(1);
    await burst;
    await post(o, "/v1/chat/completions", chat(`0 ${promptOf(2000)}`, { max_tokens: 1 })).then((r) => r.json());
    const after = await scrape(o);
    expect(valueOf(after, "vllm:num_requests_waiting")).toBe(0);
    expect(valueOf(after, "vllm:num_requests_running")).toBe(0);
    expect(valueOf(after, "vllm:kv_cache_usage_perc")).toBe(0);
    expect(valueOf(after, "vllm:prefix_cache_queries_total")).toBe(9 * 2001);
    expect(valueOf(after, "vllm:prefix_cache_hits_total")).toBe(2000); // the repeat: 125 whole blocks of 2001 tokens
  });

  it("SGLang and llama.cpp names when asked; no API key needed; GET only", async () => {
    const auth = { header: "authorization", value: "Bearer k" };
    const sg = await origin({ metricsFormat: "sglang", requireAuth: auth });
    const lc = await origin({ metricsFormat: "llamacpp", requireAuth: auth });
    for (const o of [sg, lc]) {
      const headers = { authorization: "Bearer k", "content-type": "application/json" };
      const body = JSON.stringify(chat(promptOf(300), { max_tokens: 1 }));
      for (let i = 0; i < 2; i++) await (await fetch(`${o.baseUrl}/chat/completions`, { method: "POST", headers, body })).json();
    }
    const s = await scrape(sg);
    expect(valueOf(s, "sglang:num_queue_reqs")).toBe(0);
    expect(valueOf(s, "sglang:num_running_reqs")).toBe(0);
    expect(valueOf(s, "sglang:token_usage")).toBe(0);
    expect(valueOf(s, "sglang:cache_hit_rate")).toBeCloseTo(288 / 600, 9);
    const l = await scrape(lc);
    expect([...l.keys()].sort()).toEqual(["llamacpp:kv_cache_usage_ratio", "llamacpp:requests_deferred", "llamacpp:requests_processing"]);
    expect((await fetch(`${sg.url}/metrics`, { method: "POST" })).status).toBe(405);
    const head = await fetch(`${sg.url}/metrics`, { method: "HEAD" });
    expect([head.status, await head.text()]).toEqual([200, ""]);
  });

  it("a bad format or KV capacity fails at start, not at the first scrape", async () => {
    await expect(origin({ metricsFormat: "__proto__" as never })).rejects.toThrow(RangeError);
    await expect(origin({ kvBlocks: Number.NaN })).rejects.toThrow(RangeError);
  });

  it("hangs and resets with the origin", async () => {
    const o = await origin();
    o.setFaults({ reset: true });
    await expect(fetch(`${o.url}/metrics`)).rejects.toThrow();
    o.setFaults({ reset: false, hang: true });
    await expect(fetch(`${o.url}/metrics`, { signal: AbortSignal.timeout(100) })).rejects.toThrow();
    o.setFaults({ hang: false });
    expect((await fetch(`${o.url}/metrics`)).status).toBe(200);
  });
});

describe("client disconnect", () => {
  it("removes a decoding sequence from the batch", async () => {
    const o = await origin({ speed: 1 });
    const ac = new AbortController();
    const res = await post(o, "/v1/chat/completions", chat(longAnswerPrompt(40), { stream: true }), { signal: ac.signal });
    for await (const f of frames(res)) {
      if (f.data.includes('"content":"') && !f.data.includes('"role"')) break;
    }
    expect(o.stats().running).toBe(1);
    ac.abort();
    await until(() => o.stats().running === 0 && o.stats().inFlight === 0);
  });

  it("a client that leaves during the network delay never reaches the engine", async () => {
    const o = await origin({ speed: 1, networkDelayMs: 40 });
    const p = post(o, "/v1/chat/completions", chat("hi"), { signal: AbortSignal.timeout(10) });
    await expect(p).rejects.toThrow();
    await sleep(60);
    expect(o.stats()).toMatchObject({ inFlight: 0, queued: 0, running: 0, errors: 1 });
  });

  it("removes queued and non-streaming sequences too", async () => {
    const o = await origin({ speed: 1, maxBatch: 1 });
    const ac1 = new AbortController();
    const ac2 = new AbortController();
    const p1 = post(o, "/v1/chat/completions", chat(longAnswerPrompt(40)), { signal: ac1.signal });
    await until(() => o.stats().running === 1);
    const p2 = post(o, "/v1/chat/completions", chat("second"), { signal: ac2.signal });
    await until(() => o.stats().queued === 1);
    ac2.abort();
    await expect(p2).rejects.toThrow();
    await until(() => o.stats().queued === 0);
    expect(o.stats().running).toBe(1);
    ac1.abort();
    await expect(p1).rejects.toThrow();
    await until(() => o.stats().running === 0 && o.stats().inFlight === 0);
  });
});
