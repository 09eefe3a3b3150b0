import { describe, expect, it } from "vitest";
import { answerCheckPlan, checkJsonAnswer, MAX_ASSEMBLED_CHARS, StreamAnswer } from "./answer-check";

const schema = { type: "object", properties: { a: { type: "integer" } }, required: ["a"], additionalProperties: false };
const strictBody = { response_format: { type: "json_schema", json_schema: { name: "x", schema, strict: true } } };
const both = { pricing: { models: {}, tiers: [], cache_hit_discount: 0.5, outcomes: { zero_completion: true, structured_outputs: true } } };
const enc = new TextEncoder();
const ev = (data: unknown) => enc.encode(`data: ${JSON.stringify(data)}\n\n`);

describe("answerCheckPlan", () => {
  it("checks only what the price list asks for", () => {
    expect(answerCheckPlan({ pricing: undefined }, strictBody)).toBeNull();
    expect(answerCheckPlan({ pricing: { ...both.pricing, outcomes: { zero_completion: false, structured_outputs: true } } }, {})).toBeNull();
    expect(answerCheckPlan(both, strictBody)).toEqual({ finish: true, schema });
    expect(answerCheckPlan(both, { response_format: { type: "json_schema", json_schema: { schema, strict: false } } })).toEqual({ finish: true, schema: undefined });
    expect(answerCheckPlan(both, { response_format: { type: "json_object" } })).toEqual({ finish: true, schema: undefined });
    expect(answerCheckPlan(both, { response_format: "json_schema" })).toEqual({ finish: true, schema: undefined });
    expect(answerCheckPlan(both, JSON.parse('{"response_format":{"__proto__":{"type":"json_schema"}}}'))).toEqual({ finish: true, schema: undefined });
  });
});

describe("JSON answers", () => {
  const plan = { finish: true, schema };
  it("error finish and schema verdict, every choice counted", () => {
    expect(checkJsonAnswer(plan, { choices: [{ message: { content: '{"a":1}' }, finish_reason: "stop" }] })).toEqual({ schema: "valid" });
    expect(checkJsonAnswer(plan, { choices: [{ message: { content: '{"a":1}' } }, { message: { content: '{"a":"x"}' } }] })).toEqual({ schema: "invalid" });
    expect(checkJsonAnswer(plan, { choices: [{ message: { content: null, refusal: "no" } }] })).toEqual({ schema: "invalid" });
    expect(checkJsonAnswer(plan, { choices: [{ message: { content: '{"a":1}' }, finish_reason: "error" }] })).toEqual({ error_finish: true, schema: "valid" });
    expect(checkJsonAnswer(plan, null)).toEqual({ schema: "invalid" });
    expect(checkJsonAnswer({ finish: true, schema: { type: "weird" } }, { choices: [{ message: { content: "1" } }] })).toEqual({ schema: "unchecked" });
    expect(checkJsonAnswer({ finish: false, schema: undefined }, { choices: [{ finish_reason: "error" }] })).toEqual({});
  });
});

describe("streamed answers", () => {
  const plan = { finish: true, schema };
  it("assembles content per choice across chunk boundaries", () => {
    const s = new StreamAnswer(plan);
    const bytes = new Uint8Array([...ev({ choices: [{ index: 0, delta: { content: '{"a"' } }] }), ...ev({ choices: [{ index: 0, delta: { content: ":7}" } }] }), ...enc.encode("data: [DONE]\n\n")]);
    for (let i = 0; i < bytes.length; i += 5) s.push(bytes.slice(i, i + 5)); // split mid-line and mid-character
    expect(s.result(false)).toEqual({ schema: "valid" });
  });

  it("an error event, a finish_reason error or a broken stream is an error finish", () => {
    const a = new StreamAnswer(plan);
    a.push(ev({ choices: [{ index: 0, delta: { content: '{"a":1}' } }] }));
    a.push(ev({ error: { message: "boom" } }));
    expect(a.result(false)).toEqual({ error_finish: true, schema: "valid" });
    const b = new StreamAnswer(plan);
    b.push(ev({ choices: [{ index: 0, delta: { content: '{"a":1}' }, finish_reason: "error" }] }));
    expect(b.result(false).error_finish).toBe(true);
    const c = new StreamAnswer(plan);
    expect(c.result(true)).toEqual({ error_finish: true, schema: "invalid" }); // nothing assembled
  });

  it("garbled events and hostile indexes do no harm; too much content is unchecked", () => {
    const s = new StreamAnswer(plan);
    s.push(enc.encode('data: {"choices":[\n\ndata: nonsense\n\n'));
    s.push(ev({ choices: [{ index: 1e9, delta: { content: '{"a":1}' } }, null, { index: "__proto__" }] }));
    expect(s.result(false)).toEqual({ schema: "valid" });
    const big = new StreamAnswer(plan);
    big.push(ev({ choices: [{ index: 0, delta: { content: "x".repeat(MAX_ASSEMBLED_CHARS + 1) } }] }));
    expect(big.result(false)).toEqual({ schema: "unchecked" });
  });
});
