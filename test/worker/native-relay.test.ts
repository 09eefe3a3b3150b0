// An origin marked `stream_relay: "native"` streams to the client as it sends,
// when the request allows it (the client asked for usage, the answer is
// capped); otherwise, and for every other origin, the checked relay applies.
// Both meter the same usage.
import { beforeAll, describe, expect, it } from "vitest";
import { scriptMessage } from "../../harness/scripted-origin";
import { admin, chat, expectOpenAiError, fleet, newTenant, readSse, registerOrigin, userMessage } from "./helpers";
import { usageWhen } from "./usage-helpers";

const event = (data: unknown) => `data: ${JSON.stringify(data)}\n\n`;
const CONTENT = event({ id: "c1", object: "chat.completion.chunk", choices: [{ index: 0, delta: { content: "Hi" } }] });
const USAGE = event({ id: "c1", object: "chat.completion.chunk", choices: [], usage: { prompt_tokens: 11, completion_tokens: 4 } });
/** Something after `[DONE]`: relayed natively, never by the checked relay. */
const AFTER_DONE = ": after done\n\n";
const SCRIPT = { status: 200, headers: { "content-type": "text/event-stream" }, chunks: [CONTENT, CONTENT, USAGE, "data: [DONE]\n\n", AFTER_DONE] };

beforeAll(async () => {
  await registerOrigin("native-relay-origin", "scripted", { models: { "native-m": "native-m" }, streamRelay: "native" });
  await registerOrigin("checked-relay-origin", "scripted", { models: { "checked-m": "checked-m" } });
  await registerOrigin("native-paced-origin", "paced", { models: { "native-paced": "llama-8b" }, streamRelay: "native" });
  await registerOrigin("native-dropping-origin", "dropping", { models: { "native-drop": "llama-8b" }, streamRelay: "native" });
});

async function streamOf(model: string, extra: Record<string, unknown>) {
  const { key } = await newTenant();
  const res = await chat(key, { model, messages: [{ role: "user", content: scriptMessage(SCRIPT) }], stream: true, ...extra }, { "x-meridian-hedge": "off" });
  expect(res.status).toBe(200);
  const text = await res.text();
  const usage = await usageWhen(key, (u) => u.totals.requests >= 1);
  return { text, totals: usage.totals };
}

describe("stream_relay: native", () => {
  it("passes the origin's stream through as sent when the client asked for usage and capped the answer", async () => {
    const { text, totals } = await streamOf("native-m", { stream_options: { include_usage: true }, max_tokens: 16 });
    expect(text).toBe(SCRIPT.chunks.join(""));
    expect(totals).toMatchObject({ requests: 1, input_tokens: 11, output_tokens: 4 });
  });

  it("relays tokens as the origin produces them, not at the end", async () => {
    const { key } = await newTenant();
    const res = await chat(key, { model: "native-paced", messages: userMessage("Tell me a story"), stream: true, stream_options: { include_usage: true }, max_tokens: 24 }, { "x-meridian-hedge": "off" });
    expect(res.status).toBe(200);
    const { events, arrivals } = await readSse(res);
    expect(events.at(-1)).toBe("[DONE]");
    // The paced origin spends several ms per token: a buffering relay would deliver everything in one or two reads at the end.
    expect(arrivals.length).toBeGreaterThan(5);
    expect(arrivals.at(-1)! - arrivals[0]!).toBeGreaterThan(50);
  });

  it("passes an origin's break-off on to the client (no [DONE]), and nothing hangs", async () => {
    const { key } = await newTenant();
    const res = await chat(key, { model: "native-drop", messages: userMessage("Tell me a story"), stream: true, stream_options: { include_usage: true }, max_tokens: 24 }, { "x-meridian-hedge": "off" });
    expect(res.status).toBe(200);
    const text = await res.text().catch(() => "broken");
    expect(text).not.toContain("data: [DONE]");
  });

  it("uses the checked relay when the client did not ask for usage (the usage event is taken out)", async () => {
    const { text, totals } = await streamOf("native-m", { max_tokens: 16 });
    expect(text).not.toContain('"usage"');
    expect(text).not.toContain("after done");
    expect(text.trimEnd().endsWith("data: [DONE]")).toBe(true);
    expect(totals).toMatchObject({ input_tokens: 11, output_tokens: 4 });
  });

  it("uses the checked relay when the answer is not capped, or capped above the native relay's bound", async () => {
    for (const extra of [{}, { max_tokens: 20_000 }, { max_tokens: 8_000, n: 3 }]) {
      const { text } = await streamOf("native-m", { stream_options: { include_usage: true }, ...extra });
      expect(text, JSON.stringify(extra)).not.toContain("after done");
    }
  });

  it("is never used for an origin that is not marked native", async () => {
    const { text, totals } = await streamOf("checked-m", { stream_options: { include_usage: true }, max_tokens: 16 });
    expect(text).not.toContain("after done");
    expect(totals).toMatchObject({ input_tokens: 11, output_tokens: 4 });
  });

  it("refuses anything but checked or native, with an OpenAI-shaped 400", async () => {
    for (const value of ["__proto__", "constructor", "NATIVE", "native\r\nx-evil: 1", true, null, { native: true }]) {
      const res = await admin("PUT", "/origins/relay-hostile", {
        base_url: fleet().scripted!.baseUrl,
        region: "weur",
        lat: 50.1,
        lon: 8.7,
        models: { "relay-hostile": "relay-hostile" },
        price: { input_per_m: 0.2, output_per_m: 0.6 },
        stream_relay: value,
      });
      const error = await expectOpenAiError(res, 400);
      expect(error.message, String(value)).toMatch(/stream_relay/);
    }
  });
});
