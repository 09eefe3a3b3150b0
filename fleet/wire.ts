// OpenAI wire format: response bodies and SSE frames, byte-compatible with
// what OpenAI / vLLM send. Per-token frames are built from prefixes computed
// once per stream, so a token costs one small string concatenation.

import type { FinishReason } from "./text";

export const SSE_DONE = "data: [DONE]\n\n";

/** Fixed `created` for /v1/models, so the listing is byte-identical across runs. */
export const MODELS_CREATED = 1764201600; // 2025-11-27T00:00:00Z

export interface Usage {
  readonly prompt: number;
  readonly completion: number;
  /** Prompt tokens served from the origin's prefix cache; absent = 0 (bench/llama/server.ts has no such cache). */
  readonly cached?: number;
}

function usageJson(u: Usage): string {
  return (
    `{"prompt_tokens":${u.prompt},"completion_tokens":${u.completion},"total_tokens":${u.prompt + u.completion},` +
    `"prompt_tokens_details":{"cached_tokens":${u.cached ?? 0}}}`
  );
}

const q = JSON.stringify;

// ---------------------------------------------------------------- chat

export function chatCompletionBody(id: string, created: number, model: string, content: string, finish: FinishReason, usage: Usage): string {
  return (
    `{"id":${q(id)},"object":"chat.completion","created":${created},"model":${q(model)},` +
    `"choices":[{"index":0,"message":{"role":"assistant","content":${q(content)}},"logprobs":null,"finish_reason":"${finish}"}],` +
    `"usage":${usageJson(usage)}}`
  );
}

/** SSE frames of one chat.completion.chunk stream. */
export class ChatChunks {
  private readonly head: string;
  private readonly tail: string;

  constructor(
    id: string,
    created: number,
    model: string,
    private readonly includeUsage: boolean,
  ) {
    this.head = `data: {"id":${q(id)},"object":"chat.completion.chunk","created":${created},"model":${q(model)},"choices":`;
    // OpenAI sends "usage":null on every chunk when include_usage is set.
    this.tail = includeUsage ? `,"usage":null}\n\n` : `}\n\n`;
  }

  role(): string {
    return `${this.head}[{"index":0,"delta":{"role":"assistant","content":""},"logprobs":null,"finish_reason":null}]${this.tail}`;
  }

  piece(p: string): string {
    return `${this.head}[{"index":0,"delta":{"content":${q(p)}},"logprobs":null,"finish_reason":null}]${this.tail}`;
  }

  finish(reason: FinishReason): string {
    return `${this.head}[{"index":0,"delta":{},"logprobs":null,"finish_reason":"${reason}"}]${this.tail}`;
  }

  usage(u: Usage): string {
    return `${this.head}[],"usage":${usageJson(u)}}\n\n`;
  }

  /** A frame whose JSON is cut off mid-object (fault injection). */
  malformed(): string {
    return `${this.head}[{"index":0,"delta":{"content":\n\n`;
  }

  get usageRequested(): boolean {
    return this.includeUsage;
  }
}

// ---------------------------------------------------------------- completions

export interface TextChoice {
  readonly text: string;
  readonly finish: FinishReason;
}

export function textCompletionBody(id: string, created: number, model: string, choices: readonly TextChoice[], usage: Usage): string {
  const cs = choices.map((c, i) => `{"text":${q(c.text)},"index":${i},"logprobs":null,"finish_reason":"${c.finish}"}`).join(",");
  return (
    `{"id":${q(id)},"object":"text_completion","created":${created},"model":${q(model)},` +
    `"choices":[${cs}],"usage":${usageJson(usage)}}`
  );
}

/** SSE frames of one text_completion stream (no role chunk in this API). */
export class CompletionChunks {
  private readonly head: string;
  private readonly tail: string;

  constructor(id: string, created: number, model: string, includeUsage: boolean) {
    this.head = `data: {"id":${q(id)},"object":"text_completion","created":${created},"model":${q(model)},"choices":`;
    this.tail = includeUsage ? `,"usage":null}\n\n` : `}\n\n`;
  }

  piece(index: number, p: string): string {
    return `${this.head}[{"text":${q(p)},"index":${index},"logprobs":null,"finish_reason":null}]${this.tail}`;
  }

  finish(index: number, reason: FinishReason): string {
    return `${this.head}[{"text":"","index":${index},"logprobs":null,"finish_reason":"${reason}"}]${this.tail}`;
  }

  usage(u: Usage): string {
    return `${this.head}[],"usage":${usageJson(u)}}\n\n`;
  }

  malformed(): string {
    return `${this.head}[{"text":\n\n`;
  }
}

// ---------------------------------------------------------------- embeddings

export function embeddingsBody(model: string, vectors: readonly Float64Array[], encoding: "float" | "base64", promptTokens: number): string {
  const data = vectors.map((v, i) => {
    const emb = encoding === "base64" ? q(Buffer.from(Float32Array.from(v).buffer).toString("base64")) : `[${v.join(",")}]`;
    return `{"object":"embedding","index":${i},"embedding":${emb}}`;
  });
  return `{"object":"list","data":[${data.join(",")}],"model":${q(model)},"usage":{"prompt_tokens":${promptTokens},"total_tokens":${promptTokens}}}`;
}

// ---------------------------------------------------------------- models

export function modelsBody(models: readonly string[]): string {
  return q({
    object: "list",
    data: models.map((id) => ({ id, object: "model", created: MODELS_CREATED, owned_by: "meridian-fleet" })),
  });
}

// ---------------------------------------------------------------- responses API

type ResponseStatus = "in_progress" | "completed" | "incomplete";

interface ResponseParts {
  readonly id: string;
  readonly msgId: string;
  readonly createdAt: number;
  readonly model: string;
  /** The request's tools: OpenAI echoes them in every response object, before `usage`. */
  readonly tools: readonly unknown[];
}

function outputText(text: string): { type: "output_text"; text: string; annotations: never[] } {
  return { type: "output_text", text, annotations: [] };
}

function messageItem(p: ResponseParts, status: "in_progress" | "completed" | "incomplete", text: string | null) {
  return {
    id: p.msgId,
    type: "message",
    status,
    role: "assistant",
    content: text === null ? [] : [outputText(text)],
  };
}

function responseObject(p: ResponseParts, status: ResponseStatus, text: string | null, usage: Usage | null) {
  return {
    id: p.id,
    object: "response",
    created_at: p.createdAt,
    status,
    error: null,
    incomplete_details: status === "incomplete" ? { reason: "max_output_tokens" } : null,
    model: p.model,
    output: text === null ? [] : [messageItem(p, status === "incomplete" ? "incomplete" : "completed", text)],
    tools: p.tools,
    usage:
      usage === null
        ? null
        : {
            input_tokens: usage.prompt,
            input_tokens_details: { cached_tokens: usage.cached ?? 0 },
            output_tokens: usage.completion,
            output_tokens_details: { reasoning_tokens: 0 },
            total_tokens: usage.prompt + usage.completion,
          },
  };
}

export function responseBody(p: ResponseParts, text: string, finish: FinishReason, usage: Usage): string {
  return q(responseObject(p, finish === "length" ? "incomplete" : "completed", text, usage));
}

/** Server-sent events of a streamed Responses API call (`event:` + `data:` frames). */
export class ResponseEvents {
  private seq = 0;
  private readonly deltaHead: string;

  constructor(private readonly p: ResponseParts) {
    this.deltaHead = `event: response.output_text.delta\ndata: {"type":"response.output_text.delta","item_id":${q(p.msgId)},"output_index":0,"content_index":0,"delta":`;
  }

  private ev(type: string, fields: Record<string, unknown>): string {
    return `event: ${type}\ndata: ${q({ type, sequence_number: this.seq++, ...fields })}\n\n`;
  }

  /** created, in_progress, output_item.added, content_part.added. */
  start(): string {
    const r = responseObject(this.p, "in_progress", null, null);
    return (
      this.ev("response.created", { response: r }) +
      this.ev("response.in_progress", { response: r }) +
      this.ev("response.output_item.added", { output_index: 0, item: messageItem(this.p, "in_progress", null) }) +
      this.ev("response.content_part.added", { item_id: this.p.msgId, output_index: 0, content_index: 0, part: outputText("") })
    );
  }

  delta(piece: string): string {
    return `${this.deltaHead}${q(piece)},"logprobs":[],"sequence_number":${this.seq++}}\n\n`;
  }

  /** output_text.done, content_part.done, output_item.done, completed|incomplete. */
  end(text: string, finish: FinishReason, usage: Usage): string {
    const ids = { item_id: this.p.msgId, output_index: 0, content_index: 0 };
    const status = finish === "length" ? "incomplete" : "completed";
    return (
      this.ev("response.output_text.done", { ...ids, text, logprobs: [] }) +
      this.ev("response.content_part.done", { ...ids, part: outputText(text) }) +
      this.ev("response.output_item.done", { output_index: 0, item: messageItem(this.p, status, text) }) +
      this.ev(`response.${status}`, { response: responseObject(this.p, status, text, usage) })
    );
  }

  malformed(): string {
    return `event: response.output_text.delta\ndata: {"type":"response.output_text.delta","delta":\n\n`;
  }
}
