// Closed-loop load generator on node:http with a keep-alive Agent (no undici
// fetch: its per-request overhead would land in the measurements). N workers
// each send one request, read the whole body, record, and send the next.

import { Agent, request, type IncomingMessage } from "node:http";
import { performance } from "node:perf_hooks";

export interface LoadTarget {
  /** Full URL, e.g. http://127.0.0.1:9100/v1/chat/completions */
  url: string;
  headers: Record<string, string>;
  /** JSON request body, or a function giving each request's body (e.g. unique prompts). */
  body: string | (() => string);
  /** SSE response: record time to first token and check that it ends with [DONE]. */
  stream: boolean;
  /** Tally the values of this response header over the successful requests (e.g. x-meridian-cache). */
  countHeader?: string;
}

export interface LoadOptions {
  concurrency: number;
  /** Stop after this many requests in total... */
  requests?: number;
  /** ...or stop starting new requests after this long (in-flight ones finish). */
  durationMs?: number;
  agent: Agent;
  signal?: AbortSignal;
}

export interface LoadResult {
  ok: number;
  errors: number;
  /** The first failure, for the report. */
  firstError?: string;
  /** First request sent to last response read. */
  elapsedMs: number;
  /** Per successful request: send to last body byte. */
  latencyMs: number[];
  /** Per successful request: send to response headers. */
  ttfbMs: number[];
  /** Streaming only, per successful request: send to the first content token. */
  ttftMs: number[];
  /** With `countHeader`: successful requests per value of that header ("" = absent). */
  headerCounts: Record<string, number>;
}

/** One keep-alive agent per path and concurrency level; reuse it across warm-up and rounds. */
export function keepAliveAgent(concurrency: number): Agent {
  return new Agent({ keepAlive: true, maxSockets: concurrency, maxFreeSockets: concurrency });
}

// The first frame that carries generated text (the role frame has "role" before "content").
const TOKEN_MARK = `"delta":{"content":"`;
const DONE = "data: [DONE]\n\n";

interface Sample {
  ok: boolean;
  error?: string;
  latency: number;
  ttfb: number;
  ttft: number;
  /** The counted header's value. */
  header?: string;
}

interface Prepared {
  host: string;
  port: number;
  path: string;
  headers: Record<string, string | number>;
  /** A fixed body, or null when `next` makes one per request. */
  body: Buffer | null;
  next: (() => string) | null;
  stream: boolean;
  countHeader: string | null;
}

function prepare(t: LoadTarget): Prepared {
  const u = new URL(t.url);
  const body = typeof t.body === "string" ? Buffer.from(t.body) : null;
  return {
    host: u.hostname.replace(/^\[|\]$/g, ""),
    port: Number(u.port || 80),
    path: u.pathname + u.search,
    headers: { "content-type": "application/json", ...t.headers, ...(body ? { "content-length": body.length } : {}) },
    body,
    next: typeof t.body === "function" ? t.body : null,
    stream: t.stream,
    countHeader: t.countHeader?.toLowerCase() ?? null,
  };
}

function once(p: Prepared, agent: Agent): Promise<Sample> {
  const body = p.body ?? Buffer.from(p.next!());
  const headers = p.body ? p.headers : { ...p.headers, "content-length": body.length };
  return new Promise((resolve) => {
    const t0 = performance.now();
    const fail = (error: string): void => resolve({ ok: false, error, latency: NaN, ttfb: NaN, ttft: NaN });
    const req = request({ host: p.host, port: p.port, path: p.path, method: "POST", headers, agent }, (res: IncomingMessage) => {
      const ttfb = performance.now() - t0;
      const status = res.statusCode ?? 0;
      const counted = p.countHeader === null ? undefined : res.headers[p.countHeader];
      const header = counted === undefined ? (p.countHeader === null ? undefined : "") : String(counted);
      let ttft = NaN;
      let carry = "";
      let tail = "";
      let errorBody = "";
      res.on("data", (chunk: Buffer) => {
        if (status !== 200) {
          if (errorBody.length < 300) errorBody += chunk.toString("utf8");
          return;
        }
        if (!p.stream) return;
        const s = chunk.toString("latin1");
        if (Number.isNaN(ttft)) {
          const text = carry + s;
          if (text.includes(TOKEN_MARK)) ttft = performance.now() - t0;
          else carry = text.slice(-TOKEN_MARK.length);
        }
        tail = (tail + s).slice(-DONE.length);
      });
      res.on("end", () => {
        const latency = performance.now() - t0;
        if (status !== 200) return fail(`HTTP ${status}: ${errorBody.slice(0, 300)}`);
        if (p.stream && tail !== DONE) return fail("stream did not end with data: [DONE]");
        if (p.stream && Number.isNaN(ttft)) return fail("stream carried no content token");
        resolve({ ok: true, latency, ttfb, ttft, ...(header === undefined ? {} : { header }) });
      });
      res.on("error", (e) => fail(e.message));
    });
    req.on("error", (e) => fail(e.message));
    req.end(body);
  });
}

export async function runLoad(target: LoadTarget, opts: LoadOptions): Promise<LoadResult> {
  if (opts.requests === undefined && opts.durationMs === undefined) throw new Error("runLoad: give requests or durationMs");
  const p = prepare(target);
  const result: LoadResult = { ok: 0, errors: 0, elapsedMs: 0, latencyMs: [], ttfbMs: [], ttftMs: [], headerCounts: {} };
  const start = performance.now();
  const deadline = opts.durationMs === undefined ? Infinity : start + opts.durationMs;
  let issued = 0;

  const worker = async (): Promise<void> => {
    for (;;) {
      if (opts.signal?.aborted) return;
      if (opts.requests !== undefined && issued >= opts.requests) return;
      if (performance.now() >= deadline) return;
      issued++;
      const s = await once(p, opts.agent);
      if (s.ok) {
        result.ok++;
        result.latencyMs.push(s.latency);
        result.ttfbMs.push(s.ttfb);
        if (p.stream) result.ttftMs.push(s.ttft);
        if (s.header !== undefined) result.headerCounts[s.header] = (result.headerCounts[s.header] ?? 0) + 1;
      } else {
        result.errors++;
        result.firstError ??= s.error;
      }
    }
  };
  await Promise.all(Array.from({ length: opts.concurrency }, worker));
  result.elapsedMs = performance.now() - start;
  return result;
}
