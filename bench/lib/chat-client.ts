// One chat request over node:http (keep-alive agent), read to the end and
// judged by outcome.ts. Unlike load.ts it keeps error bodies and stream tails
// whole, because the fault and load runs care how a request failed.

import { request, type Agent, type IncomingMessage } from "node:http";
import { performance } from "node:perf_hooks";
import { classify, malformedFrames, type Outcome } from "./outcome";

export interface ChatCall {
  /** e.g. http://127.0.0.1:8787 */
  routerUrl: string;
  headers: Record<string, string>;
  body: Record<string, unknown>;
  agent: Agent;
  /** Resend once when a reused keep-alive socket closes before any answer (see sendChat). */
  retryStaleSocket?: boolean;
}

export interface ChatResult {
  outcome: Outcome;
  status: number;
  stream: boolean;
  latencyMs: number;
  /** Streams: send to the first content frame; NaN otherwise. */
  ttftMs: number;
  headers: Record<string, string | string[] | undefined>;
  /** Streams: non-JSON frames the client received before the last one. */
  malformedFrames: number;
  /** Sent a second time after a reused socket closed before any answer (see sendChat). */
  retried: boolean;
  /** A short excerpt for reports. */
  detail: string;
}

const TOKEN_MARK = `"content":"`;

/**
 * With `retryStaleSocket`, a request that failed on a reused keep-alive
 * socket before any answer is sent once more. The server may close an idle
 * socket just as the client picks it (Node's documented keep-alive race);
 * that is the client's pool, not the router, failing.
 */
export function sendChat(call: ChatCall, retried = false): Promise<ChatResult> {
  const payload = Buffer.from(JSON.stringify(call.body));
  const stream = call.body.stream === true;
  const url = new URL("/v1/chat/completions", call.routerUrl);
  return new Promise((resolve) => {
    const t0 = performance.now();
    let status = 0;
    let headers: ChatResult["headers"] = {};
    let body = "";
    let ttftMs = NaN;
    let settled = false;
    const finish = (transportError?: string): void => {
      if (settled) return;
      settled = true;
      const outcome = classify({ status, stream, body, ...(transportError ? { transportError } : {}) });
      const detail = transportError ?? (outcome === "ok" ? "" : `HTTP ${status}: ${body.slice(-200)}`);
      resolve({ outcome, status, stream, latencyMs: performance.now() - t0, ttftMs, headers, malformedFrames: stream ? malformedFrames(body) : 0, retried, detail });
    };
    const req = request(
      { host: url.hostname, port: url.port, path: url.pathname, method: "POST", agent: call.agent, headers: { "content-type": "application/json", "content-length": payload.length, ...call.headers } },
      (res: IncomingMessage) => {
        status = res.statusCode ?? 0;
        headers = res.headers;
        res.setEncoding("utf8");
        res.on("data", (s: string) => {
          body += s;
          if (stream && Number.isNaN(ttftMs) && body.includes(TOKEN_MARK)) ttftMs = performance.now() - t0;
        });
        res.on("end", () => finish());
        res.on("aborted", () => finish("response aborted"));
        res.on("error", (e) => finish(e.message));
      },
    );
    req.on("error", (e) => {
      if (call.retryStaleSocket && status === 0 && req.reusedSocket && !retried && !settled) {
        settled = true;
        resolve(sendChat(call, true));
      } else finish(e.message);
    });
    req.end(payload);
  });
}
