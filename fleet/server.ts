// One imitation origin: an OpenAI-compatible HTTP server (node:http only)
// backed by a continuous-batching Engine, with fault injection, a Prometheus
// /metrics like the engine it imitates (vLLM, SGLang or llama.cpp), and a
// small control API (/_fleet/*) so tests in another process can steer it.

import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo, Socket } from "node:net";
import { Engine } from "./engine";
import { ErrorPattern, NO_FAULTS, parseFaults, type Faults } from "./faults";
import type { ProfileName } from "./gpu-profiles";
import { chatCompletions, completions, embeddings, responses, sendJson, type Exchange } from "./handlers";
import { isMetricsFormat, METRICS_CONTENT_TYPE, renderMetrics, type MetricsFormat } from "./metrics";
import {
  ApiError,
  parseChatRequest,
  parseCompletionRequest,
  parseEmbeddingRequest,
  parseJsonBody,
  parseResponsesRequest,
} from "./openai-requests";
import { fnv1a } from "./text";
import { modelsBody } from "./wire";

export type { Faults } from "./faults";
export type { MetricsFormat } from "./metrics";

export interface OriginOptions {
  id: string;
  /** 0 or absent = ephemeral. */
  port?: number;
  /** Default "127.0.0.1". */
  host?: string;
  /** Served model names, e.g. ["llama-8b"]. */
  models: string[];
  profile: ProfileName;
  /** Time divisor; 1 = real H100 speed. Default 1. */
  speed?: number;
  /** Delay before response headers (one-way latency imitation). Default 0. */
  networkDelayMs?: number;
  /** Initial faults (unset fields = no fault). */
  faults?: Partial<Faults>;
  /** Decode batch cap (vLLM max_num_seqs). Default 64. */
  maxBatch?: number;
  /** KV capacity in blocks of 16 tokens (prefix cache and KV use). Default: the profile's GPU and model. */
  kvBlocks?: number;
  /** Whose names GET /metrics uses. Default "vllm". */
  metricsFormat?: MetricsFormat;
  /** When set, /v1/* requires this header value, else 401. Default: any or no Authorization accepted. */
  requireAuth?: { header: string; value: string };
}

export interface OriginStats {
  id: string;
  /** /v1 requests accepted and not yet finished (includes hung ones). */
  inFlight: number;
  /** Sequences waiting for prefill. */
  queued: number;
  /** Sequences being prefilled or decoded. */
  running: number;
  /** KV use of the running sequences, 0..1. */
  kvUsage: number;
  /** Prompt tokens looked up in / found in the prefix cache, cumulative. */
  prefixQueriedTokens: number;
  prefixHitTokens: number;
  /** /v1 requests completed successfully. */
  served: number;
  /** /v1 requests that ended in an error status, an injected fault, or a client abort. */
  errors: number;
}

export interface RunningOrigin {
  readonly id: string;
  readonly port: number;
  /** e.g. "http://127.0.0.1:9101" */
  readonly url: string;
  /** url + "/v1" */
  readonly baseUrl: string;
  setFaults(f: Partial<Faults>): void;
  faults(): Faults;
  stats(): OriginStats;
  close(): Promise<void>;
}

const MAX_BODY_BYTES = 16 * 1024 * 1024;

function pathOf(url: string | undefined): string {
  if (!url) return "/";
  const q = url.indexOf("?");
  return q < 0 ? url : url.slice(0, q);
}

function readBody(req: IncomingMessage): Promise<string | null> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on("data", (c: Buffer) => {
      size += c.length;
      if (size > MAX_BODY_BYTES) {
        chunks.length = 0;
        resolve(null);
        return;
      }
      chunks.push(c);
    });
    req.on("end", () => resolve(size > MAX_BODY_BYTES ? null : Buffer.concat(chunks).toString("utf8")));
    req.on("error", () => resolve(null));
  });
}

/** Validate, check the model is served, run. Returns the error to send, if any. */
type Route = (x: Exchange, body: Record<string, unknown>, models: ReadonlySet<string>) => ApiError | null;

function route<R extends { readonly model: string }>(
  parse: (body: Record<string, unknown>) => R | ApiError,
  handle: (x: Exchange, r: R) => void,
): Route {
  return (x, body, models) => {
    const r = parse(body);
    if (r instanceof ApiError) return r;
    if (!models.has(r.model)) {
      return new ApiError(404, `The model \`${r.model}\` does not exist.`, "model_not_found", "model");
    }
    handle(x, r);
    return null;
  };
}

const ROUTES: ReadonlyMap<string, Route> = new Map([
  ["/v1/chat/completions", route(parseChatRequest, chatCompletions)],
  ["/v1/completions", route(parseCompletionRequest, completions)],
  ["/v1/embeddings", route(parseEmbeddingRequest, embeddings)],
  ["/v1/responses", route(parseResponsesRequest, responses)],
]);

const delay = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

export async function startOrigin(opts: OriginOptions): Promise<RunningOrigin> {
  const id = opts.id;
  const models = new Set(opts.models);
  const modelsJson = modelsBody(opts.models);
  const networkDelayMs = Math.max(0, opts.networkDelayMs ?? 0);
  const engine = new Engine({ profile: opts.profile, speed: opts.speed ?? 1, maxBatch: opts.maxBatch ?? 64, kvBlocks: opts.kvBlocks });
  const metricsFormat = opts.metricsFormat ?? "vllm";
  if (!isMetricsFormat(metricsFormat)) throw new RangeError(`metricsFormat must be vllm, sglang or llamacpp, got ${String(metricsFormat)}`);
  const auth = opts.requireAuth ? { header: opts.requireAuth.header.toLowerCase(), value: opts.requireAuth.value } : null;

  let faults: Faults = { ...NO_FAULTS, ...opts.faults };
  // Separate patterns so background health probing does not shift which
  // inference requests fail.
  const apiErrors = new ErrorPattern(faults.errorRate);
  const healthErrors = new ErrorPattern(faults.errorRate);
  let inFlight = 0;
  let served = 0;
  let errors = 0;
  let counter = 0;
  const idSalt = fnv1a(id).toString(16).padStart(8, "0");

  const setFaults = (f: Partial<Faults>): void => {
    const next = { ...faults, ...f };
    if (f.errorRate !== undefined) {
      apiErrors.setRate(next.errorRate);
      healthErrors.setRate(next.errorRate);
    }
    faults = next;
  };

  const stats = (): OriginStats => {
    const load = engine.load();
    return {
      id,
      inFlight,
      queued: load.waiting,
      running: load.running,
      kvUsage: load.kvUsage,
      prefixQueriedTokens: load.prefixQueriedTokens,
      prefixHitTokens: load.prefixHitTokens,
      served,
      errors,
    };
  };

  const common = { "x-meridian-origin": id };
  const error = (res: ServerResponse, e: ApiError, headers?: Record<string, string>): void =>
    sendJson(res, e.status, e.body(), { ...common, ...headers });

  /** Connection-level faults shared by /v1 and /health. true = handled. */
  const connectionFault = (req: IncomingMessage, f: Faults): boolean => {
    if (f.reset) {
      req.socket.resetAndDestroy();
      return true;
    }
    return f.hang; // accept and never answer; close() or the client ends it
  };

  async function health(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const f = faults;
    if (connectionFault(req, f)) return;
    if (networkDelayMs > 0) await delay(networkDelayMs);
    if (res.writableEnded || res.socket === null || res.socket.destroyed) return;
    if (healthErrors.next()) {
      error(res, new ApiError(500, "Injected fault: origin unhealthy.", "internal_error"));
      return;
    }
    sendJson(res, 200, `{"status":"ok"}`, common);
  }

  /** Like a real engine's /metrics: no API key, and it hangs or resets with the origin. */
  async function metrics(req: IncomingMessage, res: ServerResponse): Promise<void> {
    if (connectionFault(req, faults)) return;
    if (networkDelayMs > 0) await delay(networkDelayMs);
    if (res.writableEnded || res.socket === null || res.socket.destroyed) return;
    if (req.method !== "GET" && req.method !== "HEAD") return error(res, new ApiError(405, "Method not allowed.", "method_not_allowed"));
    const body = renderMetrics(metricsFormat, opts.models[0] ?? id, engine.load());
    res.writeHead(200, { "content-type": METRICS_CONTENT_TYPE, "content-length": Buffer.byteLength(body), ...common });
    res.end(req.method === "HEAD" ? undefined : body);
  }

  async function control(req: IncomingMessage, res: ServerResponse, path: string): Promise<void> {
    if (path === "/_fleet/stats" && req.method === "GET") {
      sendJson(res, 200, JSON.stringify(stats()));
    } else if (path === "/_fleet/faults" && req.method === "GET") {
      sendJson(res, 200, JSON.stringify(faults));
    } else if (path === "/_fleet/faults" && req.method === "POST") {
      const raw = await readBody(req);
      const body = raw === null ? new ApiError(413, "Body too large.", "body_too_large") : parseJsonBody(raw);
      if (body instanceof ApiError) return error(res, body);
      const f = parseFaults(body);
      if (typeof f === "string") return error(res, new ApiError(400, f, "invalid_value"));
      setFaults(f);
      sendJson(res, 200, JSON.stringify(faults));
    } else {
      error(res, new ApiError(404, `Unknown control endpoint ${req.method} ${path}.`, "not_found"));
    }
  }

  async function api(req: IncomingMessage, res: ServerResponse, path: string): Promise<void> {
    const f = faults;
    inFlight++;
    let failed = false;
    let closed = false;
    let abort: (() => void) | null = null;
    res.once("close", () => {
      closed = true;
      inFlight--;
      if (!res.writableFinished) abort?.(); // client went away (or we cut it)
      if (res.writableFinished && res.statusCode < 400 && !failed) served++;
      else errors++;
    });
    if (connectionFault(req, f)) return;

    const post = req.method === "POST";
    const raw = post ? await readBody(req) : "";
    if (networkDelayMs > 0) await delay(networkDelayMs);
    if (closed) return; // the client left while we were reading or "on the wire"

    if (auth && req.headers[auth.header] !== auth.value) {
      return error(res, new ApiError(401, "Incorrect API key provided.", "invalid_api_key"));
    }
    if (f.status429) {
      const e = new ApiError(429, "Rate limit reached. Please try again later.", "rate_limit_exceeded", null, "requests");
      return error(res, e, { "retry-after": String(f.status429.retryAfterSeconds) });
    }
    if (apiErrors.next()) {
      return error(res, new ApiError(500, "Injected fault: internal server error.", "internal_error"));
    }

    if (path === "/v1/models") {
      if (req.method !== "GET") return error(res, new ApiError(405, "Method not allowed.", "method_not_allowed"));
      return sendJson(res, 200, modelsJson, common);
    }
    const route = ROUTES.get(path);
    if (!route) return error(res, new ApiError(404, `Unknown endpoint ${path}.`, "not_found"));
    if (!post) return error(res, new ApiError(405, "Method not allowed.", "method_not_allowed"));
    if (raw === null) return error(res, new ApiError(413, "Request body too large.", "body_too_large"));
    const body = parseJsonBody(raw);
    if (body instanceof ApiError) return error(res, body);

    res.setHeader("x-meridian-origin", id);
    const x: Exchange = {
      res,
      engine,
      faults: f,
      nextId: (prefix) => `${prefix}${idSalt}${(counter++).toString(16).padStart(8, "0")}`,
      onAbort: (fn) => {
        if (closed) return fn();
        const prev = abort;
        abort = prev ? () => (prev(), fn()) : fn;
      },
      markFailed: () => {
        failed = true;
      },
    };
    const e = route(x, body, models);
    if (e) error(res, e);
  }

  const server = createServer({ noDelay: true }, (req, res) => {
    const path = pathOf(req.url);
    let p: Promise<void>;
    if (path.startsWith("/v1/")) p = api(req, res, path);
    else if (path === "/health") p = health(req, res);
    else if (path === "/metrics") p = metrics(req, res);
    else if (path.startsWith("/_fleet/")) p = control(req, res, path);
    else p = Promise.resolve(error(res, new ApiError(404, `Unknown endpoint ${path}.`, "not_found")));
    p.catch((e: unknown) => {
      if (!res.headersSent) error(res, new ApiError(500, e instanceof Error ? e.message : String(e), "internal_error"));
      else res.destroy();
    });
  });
  // Disable Nagle: every SSE frame should leave immediately.
  server.on("connection", (s: Socket) => s.setNoDelay(true));

  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(opts.port ?? 0, opts.host ?? "127.0.0.1", () => {
      server.off("error", reject);
      resolve();
    });
  });
  const addr = server.address() as AddressInfo;
  const host = opts.host ?? "127.0.0.1";
  const urlHost = host.includes(":") ? `[${host}]` : host;
  const url = `http://${urlHost}:${addr.port}`;

  let closing: Promise<void> | null = null;
  return {
    id,
    port: addr.port,
    url,
    baseUrl: `${url}/v1`,
    setFaults,
    faults: () => ({ ...faults }),
    stats,
    close: () => {
      closing ??= new Promise<void>((resolve) => {
        engine.close();
        server.close(() => resolve());
        server.closeAllConnections(); // includes hung requests and keep-alive sockets
      });
      return closing;
    },
  };
}
