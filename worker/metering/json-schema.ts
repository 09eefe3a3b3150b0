// A JSON-Schema validator for the subset OpenAI's strict structured outputs
// allow: type (one or an array, so `["string", "null"]` is nullable),
// properties, required, additionalProperties (false, true or a schema), items,
// enum, const, anyOf, and $ref into $defs / definitions (or "#"). Used to
// decide whether an answer that was asked to follow a schema did, so that a
// tenant whose price list waives such answers is not charged for them.
//
// Pure, and bounded: schemas and answers are client and origin text. Work is
// capped in steps and depth (a $ref cycle, nested anyOf, a deep answer), enums
// are hashed once (a huge enum costs a lookup, not a scan), and property names
// are looked up as own keys only (`__proto__`, `constructor` are ordinary names).
// A schema it cannot read, or work past the cap, gives "unchecked": the caller
// charges as usual rather than waive on a guess.

export type SchemaVerdict = "valid" | "invalid" | "unchecked";

/** Schema nodes compiled at most (OpenAI's strict mode allows 5,000 properties in all). */
export const MAX_SCHEMA_NODES = 20_000;
/** Nodes visited at most per validation, plus two per character of the answer (a long answer is checked whole). */
export const MAX_STEPS = 100_000;
/** Nesting of the answer and of $ref chains, at most. */
export const MAX_DEPTH = 64;

const TYPES = new Set(["string", "number", "integer", "boolean", "object", "array", "null"]);

interface Node {
  types: Set<string> | null;
  props: Map<string, Node> | null;
  required: string[];
  /** false: no other keys; true: any; a Node: others must match it. */
  additional: boolean | Node;
  items: Node | null;
  enumSet: Set<string> | null;
  constKey: string | null;
  anyOf: Node[] | null;
  /** Set once the $ref's target is compiled (targets may refer back). */
  ref: Node | null;
}

class Unreadable extends Error {}
class OverBudget extends Error {}

/** A compiled schema, reusable for many answers (the `n` choices of one request). */
export class CompiledSchema {
  private constructor(private readonly root: Node) {}

  /** Compiles `schema`, or null when it is not a schema of the supported subset. */
  static compile(schema: unknown): CompiledSchema | null {
    try {
      return new CompiledSchema(new Compiler(schema).root());
    } catch (err) {
      if (err instanceof Unreadable || err instanceof OverBudget || err instanceof RangeError) return null;
      throw err;
    }
  }

  validate(value: unknown, steps = MAX_STEPS): SchemaVerdict {
    const budget = { steps };
    try {
      return matches(this.root, value, 0, budget) ? "valid" : "invalid";
    } catch (err) {
      if (err instanceof OverBudget || err instanceof RangeError) return "unchecked";
      throw err;
    }
  }
}

/** Validates a JSON text (an answer's content) against a schema in one go. */
export function validateJsonText(schema: unknown, text: string | null): SchemaVerdict {
  const compiled = CompiledSchema.compile(schema);
  if (!compiled) return "unchecked";
  return validateText(compiled, text);
}

/** The answer's content as JSON, checked against a compiled schema; content that is not JSON does not validate. */
export function validateText(compiled: CompiledSchema, text: string | null): SchemaVerdict {
  if (text === null) return "invalid";
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return "invalid";
  }
  return compiled.validate(value, MAX_STEPS + 2 * text.length);
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null && !Array.isArray(v);
const own = (o: Record<string, unknown>, k: string): unknown => (Object.hasOwn(o, k) ? o[k] : undefined);

class Compiler {
  private steps = MAX_SCHEMA_NODES;
  /** A subschema object met twice compiles once (only schemas built in code share objects; parsed JSON never does). */
  private readonly seen = new WeakMap<object, Node>();
  /** Compiled $defs by their reference ("#/$defs/name"), so cycles resolve to one node. */
  private readonly defs = new Map<string, Node>();
  private readonly pending: [Node, string][] = [];
  private rootNode: Node | null = null;

  constructor(private readonly schema: unknown) {}

  root(): Node {
    this.rootNode = this.node(this.schema, 0);
    // $refs are resolved after the tree: a definition may name itself or one defined later.
    while (this.pending.length) {
      const [node, ref] = this.pending.pop()!;
      node.ref = this.resolve(ref);
    }
    return this.rootNode;
  }

  private resolve(ref: string): Node {
    if (ref === "#") return this.rootNode!;
    const known = this.defs.get(ref);
    if (known) return known;
    const m = /^#\/(\$defs|definitions)\/([^/]+)$/.exec(ref);
    if (!m || !isObject(this.schema)) throw new Unreadable(`unsupported $ref ${ref}`);
    const defs = own(this.schema, m[1]!);
    const name = m[2]!.replaceAll("~1", "/").replaceAll("~0", "~");
    if (!isObject(defs) || !Object.hasOwn(defs, name)) throw new Unreadable(`no definition ${ref}`);
    const target = defs[name];
    const compiled = isObject(target) ? this.seen.get(target) : undefined;
    if (compiled) return compiled;
    // Registered before compiling, so a definition that refers to itself finds this node.
    const node = blank();
    this.defs.set(ref, node);
    return this.node(target, 0, node);
  }

  /** Compiles `s` into `n` (a fresh node, or a definition's node others already point at). */
  private node(s: unknown, depth: number, n: Node = blank()): Node {
    if (--this.steps < 0) throw new OverBudget();
    if (depth > MAX_DEPTH) throw new Unreadable("schema nested too deeply");
    if (s === true || (isObject(s) && Object.keys(s).length === 0)) return n;
    if (!isObject(s)) throw new Unreadable("a schema is an object");
    const known = this.seen.get(s);
    if (known) return known;
    this.seen.set(s, n);
    const ref = own(s, "$ref");
    if (ref !== undefined) {
      if (typeof ref !== "string") throw new Unreadable("$ref is a string");
      this.pending.push([n, ref]);
    }
    const type = own(s, "type");
    if (type !== undefined) {
      const list = Array.isArray(type) ? type : [type];
      if (!list.every((t) => typeof t === "string" && TYPES.has(t))) throw new Unreadable("unknown type");
      n.types = new Set(list as string[]);
    }
    const props = own(s, "properties");
    if (props !== undefined) {
      if (!isObject(props)) throw new Unreadable("properties is an object");
      n.props = new Map();
      for (const key of Object.keys(props)) n.props.set(key, this.node(props[key], depth + 1));
    }
    const required = own(s, "required");
    if (required !== undefined) {
      if (!Array.isArray(required) || !required.every((r) => typeof r === "string")) throw new Unreadable("required lists names");
      n.required = required as string[];
    }
    const additional = own(s, "additionalProperties");
    if (additional === false || additional === true) n.additional = additional;
    else if (additional !== undefined) n.additional = this.node(additional, depth + 1);
    const items = own(s, "items");
    if (items !== undefined) n.items = this.node(items, depth + 1);
    const enumValues = own(s, "enum");
    if (enumValues !== undefined) {
      if (!Array.isArray(enumValues)) throw new Unreadable("enum is an array");
      this.steps -= enumValues.length;
      n.enumSet = new Set(enumValues.map(canonical));
    }
    if (Object.hasOwn(s, "const")) n.constKey = canonical(s.const);
    const anyOf = own(s, "anyOf");
    if (anyOf !== undefined) {
      if (!Array.isArray(anyOf) || anyOf.length === 0) throw new Unreadable("anyOf is a non-empty array");
      n.anyOf = anyOf.map((a) => this.node(a, depth + 1));
    }
    return n;
  }
}

function blank(): Node {
  return { types: null, props: null, required: [], additional: true, items: null, enumSet: null, constKey: null, anyOf: null, ref: null };
}

/**
 * `depth`: how deep in the answer; `hops`: $ref and anyOf steps taken on this
 * value without going deeper (a cycle that consumes nothing ends here).
 */
function matches(n: Node, v: unknown, depth: number, budget: { steps: number }, hops = 0): boolean {
  if (--budget.steps < 0 || depth > MAX_DEPTH || hops > MAX_DEPTH) throw new OverBudget();
  if (n.ref && !matches(n.ref, v, depth, budget, hops + 1)) return false;
  if (n.types && !n.types.has(typeOf(v)) && !(n.types.has("number") && typeOf(v) === "integer")) return false;
  if (n.enumSet && !n.enumSet.has(canonical(v))) return false;
  if (n.constKey !== null && n.constKey !== canonical(v)) return false;
  if (n.anyOf && !n.anyOf.some((a) => matches(a, v, depth, budget, hops + 1))) return false;
  if (Array.isArray(v)) {
    if (n.items) for (const item of v) if (!matches(n.items, item, depth + 1, budget)) return false;
  } else if (isObject(v)) {
    for (const key of n.required) if (!Object.hasOwn(v, key)) return false;
    for (const key of Object.keys(v)) {
      const prop = n.props?.get(key);
      if (prop) {
        if (!matches(prop, v[key], depth + 1, budget)) return false;
      } else if (n.additional === false) return false;
      else if (n.additional !== true && !matches(n.additional, v[key], depth + 1, budget)) return false;
    }
  }
  return true;
}

/** The JSON-Schema type of a parsed JSON value (integers are numbers too). */
function typeOf(v: unknown): string {
  if (v === null) return "null";
  if (Array.isArray(v)) return "array";
  if (typeof v === "number") return Number.isInteger(v) ? "integer" : "number";
  return typeof v;
}

/**
 * A key equal for equal JSON values (object keys sorted), for enum and const.
 * Iterative: a deep value cannot overflow the stack, and depth is capped.
 */
function canonical(v: unknown): string {
  if (v === null || typeof v !== "object") return JSON.stringify(v) ?? "undefined";
  return JSON.stringify(sorted(v, 0));
}

function sorted(v: unknown, depth: number): unknown {
  if (depth > MAX_DEPTH) throw new OverBudget();
  // Tagged, so that an object never equals the array of its entries.
  if (Array.isArray(v)) return ["a", v.map((x) => sorted(x, depth + 1))];
  if (!isObject(v)) return v;
  // Entries, not an object: a `__proto__` key stays a key.
  return ["o", Object.keys(v).sort().map((k) => [k, sorted(v[k], depth + 1)])];
}
