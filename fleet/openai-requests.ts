// Parse and validate OpenAI-compatible request bodies into the few facts the
// fleet needs (model, prompt text and token count, output cap, streaming).
// Pure: no I/O, so every validation rule is unit-testable.

import { PromptBlocks } from "./prompt-blocks";

/** An OpenAI-shaped error: `{error:{message, type, param, code}}` with an HTTP status. */
export class ApiError {
  constructor(
    readonly status: number,
    readonly message: string,
    readonly code: string | null,
    readonly param: string | null = null,
    readonly type: string = status >= 500 ? "server_error" : "invalid_request_error",
  ) {}

  body(): string {
    return JSON.stringify({ error: { message: this.message, type: this.type, param: this.param, code: this.code } });
  }
}

export interface Prompt {
  /** Text used to seed the deterministic output. */
  readonly text: string;
  readonly tokens: number;
  /** Ids of the prompt's full token blocks, in order (fleet/prompt-blocks.ts): what the prefix cache keys on. */
  readonly blocks: readonly string[];
}

interface Common {
  readonly model: string;
  readonly stream: boolean;
  readonly includeUsage: boolean;
  /** Output cap in tokens, or null for the natural length. */
  readonly maxTokens: number | null;
}

export interface ChatRequest extends Common {
  readonly prompt: Prompt;
}

export interface CompletionRequest extends Common {
  /** One choice per prompt (OpenAI/vLLM semantics for an array prompt). */
  readonly prompts: readonly Prompt[];
}

export interface ResponsesRequest extends Common {
  readonly prompt: Prompt;
  /** The request's tools, echoed in the response object as OpenAI does. */
  readonly tools: readonly unknown[];
}

export interface EmbeddingRequest {
  readonly model: string;
  readonly inputs: readonly Prompt[];
  readonly dimensions: number;
  readonly encoding: "float" | "base64";
}

export const DEFAULT_EMBEDDING_DIMENSIONS = 64;
const MAX_EMBEDDING_DIMENSIONS = 4096;

type Json = Record<string, unknown>;

function isRecord(v: unknown): v is Json {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

const missing = (param: string): ApiError =>
  new ApiError(400, `Missing required parameter: '${param}'.`, "missing_required_parameter", param);
const invalid = (param: string, why: string): ApiError =>
  new ApiError(400, `Invalid value for '${param}': ${why}`, "invalid_value", param);

/** JSON.parse that reports an OpenAI-shaped 400 instead of throwing. */
export function parseJsonBody(raw: string): Json | ApiError {
  let v: unknown;
  try {
    v = JSON.parse(raw);
  } catch {
    return new ApiError(400, "We could not parse the JSON body of your request. (Expected a JSON object.)", "invalid_json");
  }
  return isRecord(v) ? v : new ApiError(400, "The request body must be a JSON object.", "invalid_json");
}

function model(body: Json): string | ApiError {
  const m = body.model;
  if (m === undefined || m === null) return missing("model");
  if (typeof m !== "string" || m === "") return invalid("model", "expected a non-empty string.");
  return m;
}

function bool(body: Json, key: string): boolean | ApiError {
  const v = body[key];
  if (v === undefined || v === null) return false;
  return typeof v === "boolean" ? v : invalid(key, "expected a boolean.");
}

function includeUsage(body: Json): boolean | ApiError {
  const so = body.stream_options;
  if (so === undefined || so === null) return false;
  if (!isRecord(so)) return invalid("stream_options", "expected an object.");
  const iu = so.include_usage;
  if (iu === undefined || iu === null) return false;
  return typeof iu === "boolean" ? iu : invalid("stream_options.include_usage", "expected a boolean.");
}

/** First present key wins (max_completion_tokens before the deprecated max_tokens). */
function maxTokens(body: Json, keys: readonly string[]): number | null | ApiError {
  for (const k of keys) {
    const v = body[k];
    if (v === undefined || v === null) continue;
    if (typeof v !== "number" || !Number.isInteger(v) || v < 1) return invalid(k, "expected an integer >= 1.");
    return v;
  }
  return null;
}

function common(body: Json, capKeys: readonly string[]): Common | ApiError {
  const m = model(body);
  if (m instanceof ApiError) return m;
  const stream = bool(body, "stream");
  if (stream instanceof ApiError) return stream;
  const iu = includeUsage(body);
  if (iu instanceof ApiError) return iu;
  const cap = maxTokens(body, capKeys);
  if (cap instanceof ApiError) return cap;
  return { model: m, stream, includeUsage: stream && iu, maxTokens: cap };
}

/** Text of a message `content`: a string, or the text parts of an array; null/absent = "". */
function contentText(content: unknown, param: string): string | ApiError {
  if (content === undefined || content === null) return "";
  if (typeof content === "string") return content;
  if (!Array.isArray(content)) return invalid(param, "expected a string or an array of content parts.");
  const texts: string[] = [];
  for (const part of content) {
    if (typeof part === "string") {
      texts.push(part);
    } else if (isRecord(part)) {
      // "text" (chat) and "input_text"/"output_text" (Responses) parts carry text;
      // images, audio and files do not count.
      if (typeof part.text === "string") texts.push(part.text);
    } else {
      return invalid(param, "expected content parts to be objects.");
    }
  }
  return texts.join("\n");
}

/** One message of a conversation, as the prompt's blocks see it. */
interface Turn {
  readonly role: string;
  readonly text: string;
}

/** Roles a chat template renders first (with the tools after them, as Hermes/Qwen-style templates do). */
const isPreamble = (role: string): boolean => role === "system" || role === "developer";

/**
 * The text that seeds the output is the contents joined with "\n" (as
 * always). The tokens and blocks render the conversation as a chat template
 * does: the leading system messages first, then the tools (JSON), then the
 * other messages in order, each marked by its role. Whitespace is free, so
 * without tools prompt_tokens is the sum of countTokens over the contents.
 */
function promptOf(turns: readonly Turn[], tools: unknown): Prompt {
  const b = new PromptBlocks();
  let i = 0;
  for (; i < turns.length && isPreamble(turns[i]!.role); i++) b.marker(turns[i]!.role).text(turns[i]!.text);
  if (Array.isArray(tools) && tools.length > 0) b.marker("tools").text(JSON.stringify(tools));
  for (; i < turns.length; i++) b.marker(turns[i]!.role).text(turns[i]!.text);
  return { text: turns.map((t) => t.text).join("\n"), tokens: b.tokens, blocks: b.blocks };
}

function textPrompt(text: string): Prompt {
  const b = new PromptBlocks().text(text);
  return { text, tokens: b.tokens, blocks: b.blocks };
}

function idsPrompt(ids: readonly number[]): Prompt {
  const b = new PromptBlocks().ids(ids);
  return { text: ids.join(" "), tokens: b.tokens, blocks: b.blocks };
}

export function parseChatRequest(body: Json): ChatRequest | ApiError {
  const c = common(body, ["max_completion_tokens", "max_tokens"]);
  if (c instanceof ApiError) return c;
  const messages = body.messages;
  if (messages === undefined || messages === null) return missing("messages");
  if (!Array.isArray(messages) || messages.length === 0) return invalid("messages", "expected a non-empty array.");
  const turns: Turn[] = [];
  for (let i = 0; i < messages.length; i++) {
    const m: unknown = messages[i];
    if (!isRecord(m) || typeof m.role !== "string") return invalid(`messages[${i}]`, "expected an object with a string 'role'.");
    const t = contentText(m.content, `messages[${i}].content`);
    if (t instanceof ApiError) return t;
    turns.push({ role: m.role, text: t });
  }
  return { ...c, prompt: promptOf(turns, body.tools) };
}

function isTokenIds(v: unknown): v is number[] {
  return Array.isArray(v) && v.length > 0 && v.every((x) => Number.isInteger(x));
}

/** string | string[] | number[] (token ids) | number[][]  →  prompts. */
function promptList(v: unknown, param: string): Prompt[] | ApiError {
  if (v === undefined || v === null) return missing(param);
  if (typeof v === "string") return [textPrompt(v)];
  if (isTokenIds(v)) return [idsPrompt(v)];
  if (!Array.isArray(v) || v.length === 0) return invalid(param, "expected a string, an array of strings, or token ids.");
  const out: Prompt[] = [];
  for (const x of v) {
    if (typeof x === "string") out.push(textPrompt(x));
    else if (isTokenIds(x)) out.push(idsPrompt(x));
    else return invalid(param, "expected a string, an array of strings, or token ids.");
  }
  return out;
}

export function parseCompletionRequest(body: Json): CompletionRequest | ApiError {
  const c = common(body, ["max_tokens"]);
  if (c instanceof ApiError) return c;
  const prompts = promptList(body.prompt, "prompt");
  if (prompts instanceof ApiError) return prompts;
  return { ...c, prompts };
}

export function parseEmbeddingRequest(body: Json): EmbeddingRequest | ApiError {
  const m = model(body);
  if (m instanceof ApiError) return m;
  const inputs = promptList(body.input, "input");
  if (inputs instanceof ApiError) return inputs;
  let dimensions = DEFAULT_EMBEDDING_DIMENSIONS;
  const d = body.dimensions;
  if (d !== undefined && d !== null) {
    if (typeof d !== "number" || !Number.isInteger(d) || d < 1 || d > MAX_EMBEDDING_DIMENSIONS) {
      return invalid("dimensions", `expected an integer in [1, ${MAX_EMBEDDING_DIMENSIONS}].`);
    }
    dimensions = d;
  }
  const ef = body.encoding_format;
  // The official openai SDK asks for base64 by default, so both must work.
  if (ef !== undefined && ef !== null && ef !== "float" && ef !== "base64") {
    return invalid("encoding_format", "expected 'float' or 'base64'.");
  }
  return { model: m, inputs, dimensions, encoding: ef === "base64" ? "base64" : "float" };
}

export function parseResponsesRequest(body: Json): ResponsesRequest | ApiError {
  const c = common(body, ["max_output_tokens"]);
  if (c instanceof ApiError) return c;
  const turns: Turn[] = [];
  const instructions = body.instructions;
  if (typeof instructions === "string") turns.push({ role: "system", text: instructions });
  else if (instructions !== undefined && instructions !== null) return invalid("instructions", "expected a string.");
  const input = body.input;
  if (input === undefined || input === null) return missing("input");
  if (typeof input === "string") {
    turns.push({ role: "user", text: input });
  } else if (Array.isArray(input)) {
    for (let i = 0; i < input.length; i++) {
      const item: unknown = input[i];
      if (!isRecord(item)) return invalid(`input[${i}]`, "expected an object.");
      // Message items carry content; other items (tool outputs) may carry `output`.
      const t = contentText(item.content ?? item.output, `input[${i}].content`);
      if (t instanceof ApiError) return t;
      turns.push({ role: typeof item.role === "string" ? item.role : typeof item.type === "string" ? item.type : "", text: t });
    }
  } else {
    return invalid("input", "expected a string or an array of input items.");
  }
  const tools = Array.isArray(body.tools) ? (body.tools as unknown[]) : [];
  return { ...c, includeUsage: false, prompt: promptOf(turns, tools), tools };
}
