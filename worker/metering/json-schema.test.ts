import { describe, expect, it } from "vitest";
import { CompiledSchema, MAX_DEPTH, validateJsonText } from "./json-schema";

const person = {
  type: "object",
  properties: {
    name: { type: "string" },
    age: { type: ["integer", "null"] },
    role: { enum: ["admin", "user"] },
    tags: { type: "array", items: { type: "string" } },
    kind: { const: "person" },
  },
  required: ["name", "age", "role", "tags", "kind"],
  additionalProperties: false,
};

const ok = (schema: unknown, text: string) => validateJsonText(schema, text);

describe("the strict-mode subset", () => {
  it("accepts an answer that follows the schema", () => {
    expect(ok(person, '{"name":"Ada","age":36,"role":"admin","tags":["x"],"kind":"person"}')).toBe("valid");
    expect(ok(person, '{"name":"Ada","age":null,"role":"user","tags":[],"kind":"person"}')).toBe("valid");
  });

  it("refuses each kind of departure", () => {
    const base = { name: "Ada", age: 1, role: "user", tags: [], kind: "person" };
    const text = (change: Record<string, unknown>) => JSON.stringify({ ...base, ...change });
    expect(ok(person, text({ age: 1.5 }))).toBe("invalid"); // integer
    expect(ok(person, text({ role: "root" }))).toBe("invalid"); // enum
    expect(ok(person, text({ tags: [1] }))).toBe("invalid"); // items
    expect(ok(person, text({ kind: "robot" }))).toBe("invalid"); // const
    expect(ok(person, text({ extra: true }))).toBe("invalid"); // additionalProperties: false
    expect(ok(person, '{"name":"Ada"}')).toBe("invalid"); // required
    expect(ok(person, '{"name":"Ada",')).toBe("invalid"); // not JSON
    expect(ok(person, "")).toBe("invalid");
    expect(validateJsonText(person, null)).toBe("invalid"); // a refusal has no content
  });

  it("numbers accept integers; integers refuse fractions", () => {
    expect(ok({ type: "number" }, "3")).toBe("valid");
    expect(ok({ type: "integer" }, "3.25")).toBe("invalid");
    expect(ok({ type: "boolean" }, "0")).toBe("invalid");
  });

  it("anyOf and $ref/$defs, recursive definitions included", () => {
    const tree = {
      $defs: { node: { type: "object", properties: { value: { type: "integer" }, children: { type: "array", items: { $ref: "#/$defs/node" } } }, required: ["value", "children"], additionalProperties: false } },
      $ref: "#/$defs/node",
    };
    expect(ok(tree, '{"value":1,"children":[{"value":2,"children":[]}]}')).toBe("valid");
    expect(ok(tree, '{"value":1,"children":[{"value":"2","children":[]}]}')).toBe("invalid");
    const either = { anyOf: [{ type: "string" }, { type: "object", properties: { n: { type: "integer" } }, required: ["n"], additionalProperties: false }] };
    expect(ok(either, '"s"')).toBe("valid");
    expect(ok(either, '{"n":1}')).toBe("valid");
    expect(ok(either, '{"m":1}')).toBe("invalid");
    expect(ok({ $ref: "#/definitions/a", definitions: { a: { type: "null" } } }, "null")).toBe("valid");
  });

  it("enum and const compare JSON values, not their spelling; an object never equals its entries", () => {
    expect(ok({ enum: [{ a: 1, b: 2 }] }, '{"b":2,"a":1}')).toBe("valid");
    expect(ok({ enum: [{ a: 1 }] }, '[["a",1]]')).toBe("invalid");
    expect(ok({ const: [1, 2] }, "[1,2]")).toBe("valid");
    expect(ok({ const: null }, "null")).toBe("valid");
  });
});

describe("hostile schemas and answers", () => {
  it("`__proto__` and `constructor` are ordinary property names", () => {
    const schema = JSON.parse('{"type":"object","properties":{"__proto__":{"type":"string"},"constructor":{"type":"integer"}},"required":["__proto__","constructor"],"additionalProperties":false}');
    expect(ok(schema, '{"__proto__":"x","constructor":1}')).toBe("valid");
    expect(ok(schema, '{"__proto__":1,"constructor":1}')).toBe("invalid");
    expect(ok(schema, '{"constructor":1}')).toBe("invalid"); // required, not inherited
    // A strict object without those properties refuses them, and does not find Object.prototype's.
    expect(ok({ type: "object", properties: {}, additionalProperties: false }, '{"constructor":{}}')).toBe("invalid");
    expect(ok({ type: "object", properties: {}, required: ["toString"] }, "{}")).toBe("invalid");
    expect(ok({ $ref: "#/$defs/constructor", $defs: {} }, "1")).toBe("unchecked");
  });

  it("a deeply nested schema or answer is bounded work, not a stack overflow", () => {
    let schema: Record<string, unknown> = { type: "string" };
    for (let i = 0; i < 10_000; i++) schema = { type: "array", items: schema };
    expect(ok(schema, "[]")).toBe("unchecked");
    const deep = "[".repeat(5_000) + "]".repeat(5_000);
    expect(ok({ type: "array", items: { $ref: "#" } }, deep)).toBe("unchecked");
    expect(ok({ type: "array", items: { $ref: "#" } }, "[".repeat(MAX_DEPTH - 2) + "]".repeat(MAX_DEPTH - 2))).toBe("valid");
  });

  it("a $ref cycle that consumes nothing stops", () => {
    expect(ok({ $ref: "#" }, "1")).toBe("unchecked");
    expect(ok({ $defs: { a: { $ref: "#/$defs/b" }, b: { $ref: "#/$defs/a" } }, $ref: "#/$defs/a" }, "1")).toBe("unchecked");
  });

  it("a huge enum is hashed once: membership is a lookup", () => {
    const values = Array.from({ length: 100_000 }, (_, i) => `v${i}`);
    const compiled = CompiledSchema.compile({ enum: values });
    expect(compiled).not.toBeNull();
    const started = performance.now();
    for (let i = 0; i < 1_000; i++) expect(compiled!.validate(`v${i * 97}`)).toBe("valid");
    expect(compiled!.validate("nope")).toBe("invalid");
    expect(performance.now() - started).toBeLessThan(500);
  });

  it("nested anyOf cannot make the work explode", () => {
    let schema: Record<string, unknown> = { type: "integer" };
    for (let i = 0; i < 30; i++) schema = { anyOf: [{ type: "array", items: schema }, { type: "array", items: schema }] };
    const value = JSON.stringify(JSON.parse("[".repeat(30) + '"x"' + "]".repeat(30)));
    expect(ok(schema, value)).toBe("unchecked");
  });

  it("a schema outside the subset is unchecked, never a guess", () => {
    expect(ok({ type: "decimal" }, "1")).toBe("unchecked");
    expect(ok({ $ref: "https://example.com/s.json" }, "1")).toBe("unchecked");
    expect(ok("string", '"x"')).toBe("unchecked");
    expect(ok({ properties: [] }, "{}")).toBe("unchecked");
    expect(ok({ anyOf: [] }, "1")).toBe("unchecked");
    expect(ok(null, "1")).toBe("unchecked");
  });
});
