// Inference endpoints of one origin: turn a validated request into engine
// sequences and write the OpenAI response, streaming each SSE frame the
// moment its token is produced. Also applies the response-shaping faults
// (dropAfterTokens, malformed); the connection-level ones live in server.ts.

import type { ServerResponse } from "node:http";
import type { Engine, SequenceHandle } from "./engine";
import { embed } from "./embeddings";
import type { Faults } from "./faults";
import type { ChatRequest, CompletionRequest, EmbeddingRequest, Prompt, ResponsesRequest } from "./openai-requests";
import { generateCompletion, poorCompletion, type Completion } from "./text";
import {
  ChatChunks,
  CompletionChunks,
  ResponseEvents,
  SSE_DONE,
  chatCompletionBody,
  embeddingsBody,
  responseBody,
  textCompletionBody,
  type Usage,
} from "./wire";

/** One in-progress HTTP exchange, as seen by an endpoint handler. */
export interface Exchange {
  readonly res: ServerResponse;
  readonly engine: Engine;
  /** Snapshot of the origin's faults when the request arrived. */
  readonly faults: Readonly<Faults>;
  nextId(prefix: string): string;
  /** Run `fn` if the client goes away before the response is complete. */
  onAbort(fn: () => void): void;
  /** Count this exchange as failed in stats even if it ends "normally". */
  markFailed(): void;
}

const nowSeconds = (): number => Math.floor(Date.now() / 1000);

export function sendJson(res: ServerResponse, status: number, body: string, headers?: Record<string, string>): void {
  res.writeHead(status, {
    "content-type": "application/json",
    "content-length": Buffer.byteLength(body),
    ...headers,
  });
  res.end(body);
}

/** Non-streaming body, with the malformed / dropAfterTokens faults applied. */
function finishJson(x: Exchange, id: string, body: string): void {
  const { res, faults } = x;
  if (faults.malformed) {
    x.markFailed();
    sendJson(res, 200, body.slice(0, body.length >> 1), { "x-request-id": id });
    return;
  }
  if (faults.dropAfterTokens !== null) {
    // Promise the whole body, deliver half, then cut the connection.
    x.markFailed();
    res.writeHead(200, { "content-type": "application/json", "content-length": Buffer.byteLength(body), "x-request-id": id });
    res.write(body.slice(0, body.length >> 1), () => res.socket?.destroySoon());
    return;
  }
  sendJson(res, 200, body, { "x-request-id": id });
}

function startSse(res: ServerResponse, id: string): void {
  res.writeHead(200, {
    "content-type": "text/event-stream; charset=utf-8",
    "cache-control": "no-cache",
    "x-accel-buffering": "no",
    "x-request-id": id,
  });
  // Headers go out now (like vLLM); the first data frame comes at TTFT.
  res.flushHeaders();
}

/**
 * Gate for each streamed content chunk implementing the streaming faults.
 * Returns false when the stream has been cut and nothing more may be written.
 */
class StreamFaults {
  private sent = 0;
  private cut = false;

  constructor(
    private readonly x: Exchange,
    private readonly malformedFrame: () => string,
  ) {}

  get isCut(): boolean {
    return this.cut;
  }

  beforeContent(): boolean {
    if (this.cut) return false;
    const f = this.x.faults;
    if (f.malformed) {
      this.stop();
      this.x.res.end(this.malformedFrame());
      return false;
    }
    if (f.dropAfterTokens !== null && this.sent >= f.dropAfterTokens) {
      this.drop();
      return false;
    }
    this.sent++;
    return true;
  }

  /** Before the closing frames: a drop fault with more allowance than tokens still drops. */
  beforeEnd(): boolean {
    if (this.cut) return false;
    if (this.x.faults.dropAfterTokens !== null) {
      this.drop();
      return false;
    }
    return true;
  }

  private stop(): void {
    this.cut = true;
    this.x.markFailed();
  }

  private drop(): void {
    this.stop();
    // destroySoon: flush what was written, then close without the final
    // chunked-encoding terminator, so the client sees a truncated stream.
    this.x.res.socket?.destroySoon();
  }
}

/**
 * Run one engine sequence per prompt. `onPiece(choice, piece)` fires per
 * token at decode pace; `onChoiceDone(choice)` per finished choice;
 * `onAllDone(cached)` once, with the prompt tokens the prefix cache served.
 * Client disconnect cancels every sequence.
 */
function run(
  x: Exchange,
  prompts: readonly Prompt[],
  outputs: readonly Completion[],
  onPiece: ((choice: number, piece: string) => void) | null,
  onChoiceDone: ((choice: number) => void) | null,
  onAllDone: (cachedTokens: number) => void,
): { cancelAll(): void } {
  let remaining = prompts.length;
  const handles = prompts.map((p, choice) => {
    const pieces = outputs[choice]!.pieces;
    return x.engine.submit({
      promptTokens: p.tokens,
      blocks: p.blocks,
      outputTokens: pieces.length,
      onToken: onPiece ? (i) => onPiece(choice, pieces[i]!) : undefined,
      onDone: () => {
        onChoiceDone?.(choice);
        if (--remaining === 0) onAllDone(cachedOf(handles));
      },
    });
  });
  const cancelAll = (): void => {
    for (const h of handles) h.cancel();
  };
  x.onAbort(cancelAll);
  return { cancelAll };
}

function cachedOf(handles: readonly SequenceHandle[]): number {
  let cached = 0;
  for (const h of handles) cached += h.cachedTokens;
  return cached;
}

function usageOf(prompts: readonly Prompt[], outputs: readonly Completion[], cached: number): Usage {
  let prompt = 0;
  let completion = 0;
  for (const p of prompts) prompt += p.tokens;
  for (const o of outputs) completion += o.pieces.length;
  return { prompt, completion, cached };
}

// ---------------------------------------------------------------- endpoints

export function chatCompletions(x: Exchange, r: ChatRequest): void {
  const out = poorCompletion(generateCompletion(r.model, r.prompt.text, r.maxTokens), x.faults.answer);
  const id = x.nextId("chatcmpl-");
  const created = nowSeconds();
  if (!r.stream) {
    run(x, [r.prompt], [out], null, null, (cached) => {
      finishJson(x, id, chatCompletionBody(id, created, r.model, out.pieces.join(""), out.finishReason, usageOf([r.prompt], [out], cached)));
    });
    return;
  }
  const chunks = new ChatChunks(id, created, r.model, r.includeUsage);
  const gate = new StreamFaults(x, () => chunks.malformed());
  const { res } = x;
  startSse(res, id);
  let roleSent = false;
  const seq = run(
    x,
    [r.prompt],
    [out],
    (_c, piece) => {
      if (!roleSent) {
        roleSent = true; // vLLM sends the role chunk together with the first token
        res.write(chunks.role());
      }
      if (gate.beforeContent()) res.write(chunks.piece(piece));
      else seq.cancelAll();
    },
    null,
    (cached) => {
      if (gate.isCut || !gate.beforeEnd()) return;
      let tail = chunks.finish(out.finishReason);
      if (r.includeUsage) tail += chunks.usage(usageOf([r.prompt], [out], cached));
      res.end(tail + SSE_DONE);
    },
  );
}

export function completions(x: Exchange, r: CompletionRequest): void {
  const outs = r.prompts.map((p) => generateCompletion(r.model, p.text, r.maxTokens));
  const id = x.nextId("cmpl-");
  const created = nowSeconds();
  if (!r.stream) {
    run(x, r.prompts, outs, null, null, (cached) => {
      const choices = outs.map((o) => ({ text: o.pieces.join(""), finish: o.finishReason }));
      finishJson(x, id, textCompletionBody(id, created, r.model, choices, usageOf(r.prompts, outs, cached)));
    });
    return;
  }
  const chunks = new CompletionChunks(id, created, r.model, r.includeUsage);
  const gate = new StreamFaults(x, () => chunks.malformed());
  const { res } = x;
  startSse(res, id);
  const seq = run(
    x,
    r.prompts,
    outs,
    (choice, piece) => {
      if (gate.beforeContent()) res.write(chunks.piece(choice, piece));
      else seq.cancelAll();
    },
    (choice) => {
      if (!gate.isCut) res.write(chunks.finish(choice, outs[choice]!.finishReason));
    },
    (cached) => {
      if (gate.isCut || !gate.beforeEnd()) return;
      res.end((r.includeUsage ? chunks.usage(usageOf(r.prompts, outs, cached)) : "") + SSE_DONE);
    },
  );
}

export function embeddings(x: Exchange, r: EmbeddingRequest): void {
  let tokens = 0;
  for (const p of r.inputs) tokens += p.tokens;
  const id = x.nextId("embd-");
  // Embedding = prefill of all inputs, no decode.
  run(x, [{ text: "", tokens, blocks: [] }], [{ pieces: [], finishReason: "stop" }], null, null, () => {
    const vectors = r.inputs.map((p) => embed(r.model, p.text, r.dimensions));
    finishJson(x, id, embeddingsBody(r.model, vectors, r.encoding, tokens));
  });
}

export function responses(x: Exchange, r: ResponsesRequest): void {
  const out = generateCompletion(r.model, r.prompt.text, r.maxTokens);
  const parts = { id: x.nextId("resp_"), msgId: x.nextId("msg_"), createdAt: nowSeconds(), model: r.model, tools: r.tools };
  if (!r.stream) {
    run(x, [r.prompt], [out], null, null, (cached) => {
      finishJson(x, parts.id, responseBody(parts, out.pieces.join(""), out.finishReason, usageOf([r.prompt], [out], cached)));
    });
    return;
  }
  const events = new ResponseEvents(parts);
  const gate = new StreamFaults(x, () => events.malformed());
  const { res } = x;
  startSse(res, parts.id);
  res.write(events.start()); // OpenAI announces the response immediately
  const seq = run(
    x,
    [r.prompt],
    [out],
    (_c, piece) => {
      if (gate.beforeContent()) res.write(events.delta(piece));
      else seq.cancelAll();
    },
    null,
    (cached) => {
      if (gate.isCut || !gate.beforeEnd()) return;
      res.end(events.end(out.pieces.join(""), out.finishReason, usageOf([r.prompt], [out], cached)));
    },
  );
}
