// A thin OpenAI-compatible server over real llama.cpp inference
// (node-llama-cpp, CPU only): GET /v1/models, POST /v1/chat/completions
// (streamed or not, with `stream_options.include_usage`), GET /health.
// Requests are validated by the fleet's parser and answered in the fleet's
// wire format, so Meridian sees exactly what it sees from other origins; only
// the tokens come from a real model. The model has no chat template: the
// messages' text is joined with newlines and continued.
//
// `tsx bench/llama/server.ts <model.gguf>`; PORT (default 0: any free port),
// LLAMA_THREADS (default 1), LLAMA_SLOTS (parallel sequences, default 2).
// Prints one line `LLAMA_READY {"url":…,"model":…,"loadMs":…}` when serving.

import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import { basename } from "node:path";
import { performance } from "node:perf_hooks";
import { getLlama, LlamaCompletion, LlamaLogLevel, type LlamaContext, type LlamaContextSequence, type LlamaModel } from "node-llama-cpp";
import { sendJson as send } from "../../fleet/handlers";
import { ApiError, parseChatRequest, parseJsonBody } from "../../fleet/openai-requests";
import { ChatChunks, SSE_DONE, chatCompletionBody, modelsBody } from "../../fleet/wire";

const MAX_BODY_BYTES = 1 << 20;
const DEFAULT_MAX_TOKENS = 128;

export interface LlamaServerOptions {
  modelPath: string;
  port?: number;
  host?: string;
  threads?: number;
  slots?: number;
  contextSize?: number;
}

export interface LlamaServer {
  url: string;
  model: string;
  loadMs: number;
  close(): Promise<void>;
}

/** Context sequences handed out one request at a time; later requests queue. */
class Slots {
  private readonly waiting: ((s: LlamaContextSequence) => void)[] = [];
  constructor(private readonly free: LlamaContextSequence[]) {}

  acquire(): Promise<LlamaContextSequence> {
    const s = this.free.pop();
    return s ? Promise.resolve(s) : new Promise((resolve) => this.waiting.push(resolve));
  }

  async release(s: LlamaContextSequence): Promise<void> {
    await s.clearHistory();
    const next = this.waiting.shift();
    if (next) next(s);
    else this.free.push(s);
  }
}

export async function startLlamaServer(options: LlamaServerOptions): Promise<LlamaServer> {
  const started = performance.now();
  const llama = await getLlama({ gpu: false, build: "never", logLevel: LlamaLogLevel.warn });
  const model = await llama.loadModel({ modelPath: options.modelPath });
  const slotCount = options.slots ?? 2;
  const context = await model.createContext({ contextSize: options.contextSize ?? 1024, sequences: slotCount, threads: options.threads ?? 1 });
  const slots = new Slots(Array.from({ length: slotCount }, () => context.getSequence()));
  const name = basename(options.modelPath).replace(/\.gguf$/, "");
  const loadMs = performance.now() - started;

  let nextId = 0;
  const server = createServer((req, res) => {
    handle(req, res, { model, context, slots, name, id: () => `chatcmpl-llama-${++nextId}` }).catch((err: unknown) => {
      if (!res.headersSent) sendError(res, new ApiError(500, `inference failed: ${err instanceof Error ? err.message : String(err)}`, "inference_error"));
      else res.destroy();
    });
  });
  await new Promise<void>((resolve) => server.listen(options.port ?? 0, options.host ?? "127.0.0.1", resolve));
  const address = server.address();
  const port = typeof address === "object" && address ? address.port : options.port;
  return {
    url: `http://${options.host ?? "127.0.0.1"}:${port}`,
    model: name,
    loadMs,
    async close() {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
      await context.dispose();
      await model.dispose();
      await llama.dispose();
    },
  };
}

interface Engine {
  model: LlamaModel;
  context: LlamaContext;
  slots: Slots;
  name: string;
  id(): string;
}

async function handle(req: IncomingMessage, res: ServerResponse, engine: Engine): Promise<void> {
  const path = (req.url ?? "/").split("?")[0];
  if (req.method === "GET" && path === "/health") return send(res, 200, `{"status":"ok"}`);
  if (req.method === "GET" && path === "/v1/models") return send(res, 200, modelsBody([engine.name]));
  if (req.method === "POST" && path === "/v1/chat/completions") return chat(req, res, engine);
  sendError(res, new ApiError(404, `Unknown route ${req.method} ${path}.`, "unknown_url"));
}

async function chat(req: IncomingMessage, res: ServerResponse, engine: Engine): Promise<void> {
  const raw = await readBody(req);
  if (raw instanceof ApiError) return sendError(res, raw);
  const body = parseJsonBody(raw);
  if (body instanceof ApiError) return sendError(res, body);
  const request = parseChatRequest(body);
  if (request instanceof ApiError) return sendError(res, request);
  const temperature = typeof body.temperature === "number" ? body.temperature : 1;
  const seed = typeof body.seed === "number" ? body.seed : undefined;
  const maxTokens = request.maxTokens ?? DEFAULT_MAX_TOKENS;

  const prompt = `${request.prompt.text}\n`;
  const promptTokens = engine.model.tokenize(prompt).length + 1; // + BOS
  if (promptTokens + maxTokens > engine.context.contextSize) {
    return sendError(
      res,
      new ApiError(400, `This model's context is ${engine.context.contextSize} tokens; the prompt (${promptTokens}) plus max_tokens (${maxTokens}) exceed it.`, "context_length_exceeded", "messages"),
    );
  }

  const abort = new AbortController();
  res.on("close", () => abort.abort());
  const id = engine.id();
  const created = Math.floor(Date.now() / 1000);
  const chunks = request.stream ? new ChatChunks(id, created, engine.name, request.includeUsage) : null;
  if (chunks) {
    res.writeHead(200, { "content-type": "text/event-stream", "cache-control": "no-cache", "x-request-id": id });
    res.write(chunks.role());
  }

  const sequence = await engine.slots.acquire();
  const completion = new LlamaCompletion({ contextSequence: sequence });
  let completionTokens = 0;
  try {
    const { response, metadata } = await completion.generateCompletionWithMeta(prompt, {
      maxTokens,
      temperature,
      seed,
      signal: abort.signal,
      stopOnAbortSignal: true,
      onToken: (tokens) => (completionTokens += tokens.length),
      onTextChunk: chunks ? (text) => res.write(chunks.piece(text)) : undefined,
    });
    if (abort.signal.aborted) return;
    const finish = metadata.stopReason === "maxTokens" ? "length" : "stop";
    const usage = { prompt: promptTokens, completion: completionTokens };
    if (!chunks) return send(res, 200, chatCompletionBody(id, created, engine.name, response, finish, usage), { "x-request-id": id });
    res.write(chunks.finish(finish));
    if (chunks.usageRequested) res.write(chunks.usage(usage));
    res.end(SSE_DONE);
  } finally {
    completion.dispose({ disposeSequence: false });
    await engine.slots.release(sequence);
  }
}

function readBody(req: IncomingMessage): Promise<string | ApiError> {
  return new Promise((resolve, reject) => {
    const parts: Buffer[] = [];
    let size = 0;
    req.on("data", (c: Buffer) => {
      size += c.length;
      if (size <= MAX_BODY_BYTES) parts.push(c);
    });
    req.on("end", () => resolve(size > MAX_BODY_BYTES ? new ApiError(413, `Request body is larger than ${MAX_BODY_BYTES} bytes.`, "body_too_large") : Buffer.concat(parts).toString("utf8")));
    req.on("error", reject);
  });
}

function sendError(res: ServerResponse, error: ApiError): void {
  send(res, error.status, error.body());
}

// Run directly: serve the model given on the command line.
if (process.argv[1] && import.meta.url.endsWith(basename(process.argv[1]))) {
  const modelPath = process.argv[2];
  if (!modelPath) {
    console.error("usage: tsx bench/llama/server.ts <model.gguf>");
    process.exit(2);
  }
  const server = await startLlamaServer({
    modelPath,
    port: Number(process.env.PORT ?? 0),
    threads: Number(process.env.LLAMA_THREADS ?? 1),
    slots: Number(process.env.LLAMA_SLOTS ?? 2),
  });
  const stop = (): void => void server.close().then(() => process.exit(0));
  process.on("SIGTERM", stop);
  process.on("SIGINT", stop);
  console.log(`LLAMA_READY ${JSON.stringify({ url: server.url, model: server.model, loadMs: Math.round(server.loadMs) })}`);
}
