// The meter's look at the answer itself, for the outcome rules of a tenant's
// price list (worker/billing/outcomes.ts): did it end with an error, and,
// when the request asked for a strict `json_schema`, does its content follow
// the schema. A JSON answer is checked whole; a stream is assembled as it
// goes by (content per choice, bounded) and checked at its end. Only tenants
// whose price list has such a rule pay for this: the others' answers are not
// parsed.
import type { TenantRecord } from "../schemas/admin";
import type { AnswerFacts } from "../billing/outcomes";
import { CompiledSchema, validateText, type SchemaVerdict } from "./json-schema";

/** Content beyond this (all choices together) is not assembled: the schema verdict is then "unchecked". */
export const MAX_ASSEMBLED_CHARS = 1 << 20;

/** What to check on one request's answer. */
export interface AnswerCheckPlan {
  /** Look for an error finish (zero-completion insurance). */
  finish: boolean;
  /** The strict schema the answer must follow; undefined when not asked for. */
  schema: unknown;
}

/** The checks a request's answer needs under the tenant's price list, or null for none (the common case). */
export function answerCheckPlan(tenant: Pick<TenantRecord, "pricing">, body: Record<string, unknown>): AnswerCheckPlan | null {
  const rules = tenant.pricing?.outcomes;
  if (!rules) return null;
  const schema = rules.structured_outputs ? strictSchema(body.response_format) : undefined;
  if (!rules.zero_completion && schema === undefined) return null;
  return { finish: rules.zero_completion, schema };
}

/** The schema of `response_format: {type: "json_schema", json_schema: {schema, strict: true}}`, else undefined. */
function strictSchema(format: unknown): unknown {
  const f = format as { type?: unknown; json_schema?: { strict?: unknown; schema?: unknown } } | null | undefined;
  if (typeof f !== "object" || f === null || f.type !== "json_schema") return undefined;
  const js = f.json_schema;
  if (typeof js !== "object" || js === null || js.strict !== true || !Object.hasOwn(js, "schema")) return undefined;
  return js.schema;
}

/** The facts a usage record carries about a JSON answer (chat or completions). */
export function checkJsonAnswer(plan: AnswerCheckPlan, answer: unknown): Pick<AnswerFacts, "error_finish" | "schema"> {
  const choices = Array.isArray((answer as { choices?: unknown } | null)?.choices) ? ((answer as { choices: unknown[] }).choices) : [];
  const texts: (string | null)[] = [];
  let errorFinish = false;
  for (const c of choices) {
    const choice = (c ?? {}) as { finish_reason?: unknown; message?: { content?: unknown }; text?: unknown };
    if (choice.finish_reason === "error") errorFinish = true;
    const content = choice.message?.content ?? choice.text;
    texts.push(typeof content === "string" ? content : null);
  }
  return facts(plan, errorFinish, texts, false);
}

function facts(plan: AnswerCheckPlan, errorFinish: boolean, texts: (string | null)[], truncated: boolean): Pick<AnswerFacts, "error_finish" | "schema"> {
  const out: Pick<AnswerFacts, "error_finish" | "schema"> = {};
  if (plan.finish && errorFinish) out.error_finish = true;
  if (plan.schema !== undefined) out.schema = truncated ? "unchecked" : schemaVerdict(plan.schema, texts);
  return out;
}

/** Every choice must follow the schema; any that does not makes the answer invalid. An answer with no choice is invalid. */
function schemaVerdict(schema: unknown, texts: (string | null)[]): SchemaVerdict {
  const compiled = CompiledSchema.compile(schema);
  if (!compiled) return "unchecked";
  if (texts.length === 0) return "invalid";
  let verdict: SchemaVerdict = "valid";
  for (const text of texts) {
    const v = validateText(compiled, text);
    if (v === "invalid") return "invalid";
    if (v === "unchecked") verdict = "unchecked";
  }
  return verdict;
}

/**
 * Assembles a chat or completions stream's content per choice as it goes by
 * (`delta.content`, or `text`), and notes finish reasons and error events.
 */
export class StreamAnswer {
  private readonly decoder = new TextDecoder();
  private partial = "";
  private readonly texts: string[][] = [];
  private chars = 0;
  private truncated = false;
  private errorFinish = false;

  constructor(private readonly plan: AnswerCheckPlan) {}

  push(chunk: Uint8Array): void {
    const text = this.partial + this.decoder.decode(chunk, { stream: true });
    const lines = text.split("\n");
    this.partial = lines.pop() ?? "";
    // A line longer than the cap is not assembled (the stream's own meter bounds lines too).
    if (this.partial.length > MAX_ASSEMBLED_CHARS) {
      this.partial = "";
      this.truncated = true;
    }
    for (const line of lines) this.line(line);
  }

  /** What the usage record carries; `failed`: the stream broke off with an error. */
  result(failed: boolean): Pick<AnswerFacts, "error_finish" | "schema"> {
    if (this.partial) this.line(this.partial);
    this.partial = "";
    const texts: (string | null)[] = this.texts.map((pieces) => pieces.join(""));
    return facts(this.plan, this.errorFinish || failed, texts.length ? texts : [null], this.truncated);
  }

  private line(line: string): void {
    if (!line.startsWith("data:")) return;
    const data = line.slice(5).trim();
    if (data === "[DONE]" || !data.startsWith("{")) return;
    let event: { error?: unknown; choices?: unknown };
    try {
      event = JSON.parse(data) as typeof event;
    } catch {
      return;
    }
    if (event.error !== undefined && event.error !== null) this.errorFinish = true;
    if (!Array.isArray(event.choices)) return;
    for (const c of event.choices as { index?: unknown; finish_reason?: unknown; delta?: { content?: unknown }; text?: unknown }[]) {
      if (typeof c !== "object" || c === null) continue;
      if (c.finish_reason === "error") this.errorFinish = true;
      const index = typeof c.index === "number" && Number.isSafeInteger(c.index) && c.index >= 0 && c.index < 128 ? c.index : 0;
      const piece = c.delta?.content ?? c.text;
      if (typeof piece !== "string" || piece.length === 0 || this.plan.schema === undefined) continue;
      if (this.chars + piece.length > MAX_ASSEMBLED_CHARS) {
        this.truncated = true;
        continue;
      }
      this.chars += piece.length;
      while (this.texts.length <= index) this.texts.push([]);
      this.texts[index]!.push(piece);
    }
  }
}
