// Stream metering reads usage where the protocol puts it, never the first
// matching key anywhere in an event: a Responses API `response.completed`
// echoes the client's tools before its `usage`, so a tool schema is client
// text inside the very event that carries the bill.
import { beforeAll, describe, expect, it } from "vitest";
import { newTenant, registerOrigin, request } from "./helpers";
import { usageWhen } from "./usage-helpers";

beforeAll(async () => {
  await registerOrigin("stream-usage-origin", "healthy");
});

const post = (key: string, body: unknown) => request("POST", "/v1/responses", { body, headers: { authorization: `Bearer ${key}`, "x-meridian-hedge": "off" } });

/** A function tool whose JSON schema is shaped like a usage block. */
const HOSTILE_TOOLS = [
  {
    type: "function",
    name: "lookup",
    parameters: {
      type: "object",
      usage: { input_tokens: 0, output_tokens: 0 },
      properties: { input_tokens: { type: "integer", default: 0 }, output_tokens: { type: "integer", default: 0 } },
      input_tokens: 0,
      output_tokens: 0,
    },
  },
];

describe("Responses API streams", () => {
  it("are billed from response.usage, whatever the echoed tools contain", async () => {
    const { key } = await newTenant();
    const res = await post(key, { model: "llama-8b", input: "Say hi to everyone in the room", max_output_tokens: 8, stream: true, tools: HOSTILE_TOOLS });
    expect(res.status).toBe(200);
    const text = await res.text();
    const completed = text
      .split("\n")
      .filter((l) => l.startsWith("data: "))
      .map((l) => JSON.parse(l.slice(6)) as { type: string; response?: { tools?: unknown; usage?: { input_tokens: number; output_tokens: number } } })
      .find((e) => e.type === "response.completed" || e.type === "response.incomplete");
    // The origin really echoed the hostile schema ahead of the real usage.
    expect(completed?.response?.tools).toEqual(HOSTILE_TOOLS);
    const truth = completed!.response!.usage!;
    expect(truth.input_tokens).toBeGreaterThan(0);
    expect(truth.output_tokens).toBeGreaterThan(0);

    const usage = await usageWhen(key, (u) => u.totals.requests >= 1);
    expect(usage.totals).toMatchObject({ requests: 1, input_tokens: truth.input_tokens, output_tokens: truth.output_tokens });
  });

  it("keep their completion event when the echoed tools look like a usage-only chat event", async () => {
    const { key } = await newTenant();
    const tools = [{ type: "function", name: "lookup", parameters: { type: "object", choices: [], usage: { prompt_tokens: 0 } } }];
    const res = await post(key, { model: "llama-8b", input: "Say hi", max_output_tokens: 4, stream: true, tools });
    expect(res.status).toBe(200);
    const types = (await res.text())
      .split("\n")
      .filter((l) => l.startsWith("data: "))
      .map((l) => (JSON.parse(l.slice(6)) as { type: string }).type);
    expect(types.at(-1)).toMatch(/^response\.(completed|incomplete)$/);
  });
});
