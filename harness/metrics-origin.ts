// A small origin with a Prometheus `/metrics` page the test steers: the
// engine-load tests play loaded, idle and hostile engines (huge, garbage,
// slow, redirecting) through real HTTP. Each test names its own engine, so
// files running in parallel never steer each other's:
//   GET  /<name>/metrics             the page as steered (an idle vLLM page by default)
//   GET  /<name>/health              200
//   POST /<name>/v1/chat/completions a tiny answer, streamed or not
//   POST /_engines/<name>            steer: {body?, status?, delayMs?, repeat?, location?}
//   GET  /_engines/<name>            {reads, lastAuthorization}: what the router did
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";

export interface MetricsScript {
  /** The page; default an idle vLLM page. */
  body?: string;
  status?: number;
  /** Wait this long before answering (headers and body). */
  delayMs?: number;
  /** After the body, this text this many times (a huge page in a small script). */
  repeat?: { text: string; times: number };
  /** Answer 302 to here instead. */
  location?: string;
}

/** A vLLM page with these numbers (one engine, one model). */
export function vllmPage(waiting: number, running = 0, kv = 0, queries = 0, hits = 0): string {
  const labels = `engine="0",model_name="llama-8b"`;
  return [
    "# HELP vllm:num_requests_running Number of requests in model execution batches.",
    "# TYPE vllm:num_requests_running gauge",
    `vllm:num_requests_running{${labels}} ${running}.0`,
    "# HELP vllm:num_requests_waiting Number of requests waiting to be processed.",
    "# TYPE vllm:num_requests_waiting gauge",
    `vllm:num_requests_waiting{${labels}} ${waiting}.0`,
    "# TYPE vllm:kv_cache_usage_perc gauge",
    `vllm:kv_cache_usage_perc{${labels}} ${kv}`,
    "# TYPE vllm:prefix_cache_queries_total counter",
    `vllm:prefix_cache_queries_total{${labels}} ${queries}.0`,
    "# TYPE vllm:prefix_cache_hits_total counter",
    `vllm:prefix_cache_hits_total{${labels}} ${hits}.0`,
    "",
  ].join("\n");
}

interface Engine {
  script: MetricsScript;
  reads: number;
  lastAuthorization: string | null;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function readBody(req: IncomingMessage): Promise<string> {
  let body = "";
  for await (const chunk of req) body += chunk;
  return body;
}

function answerChat(res: ServerResponse, body: string): void {
  let stream = false;
  try {
    stream = (JSON.parse(body) as { stream?: boolean }).stream === true;
  } catch {
    // not JSON: answer as if not streamed
  }
  const id = `chatcmpl-${Math.random().toString(36).slice(2)}`;
  const usage = { prompt_tokens: 5, completion_tokens: 1, total_tokens: 6 };
  if (!stream) {
    res.writeHead(200, { "content-type": "application/json" });
    res.end(JSON.stringify({ id, object: "chat.completion", created: 0, model: "llama-8b", choices: [{ index: 0, message: { role: "assistant", content: "ok" }, finish_reason: "stop" }], usage }));
    return;
  }
  res.writeHead(200, { "content-type": "text/event-stream" });
  const chunk = (extra: object) => `data: ${JSON.stringify({ id, object: "chat.completion.chunk", created: 0, model: "llama-8b", ...extra })}\n\n`;
  res.end(chunk({ choices: [{ index: 0, delta: { role: "assistant", content: "ok" }, finish_reason: "stop" }] }) + chunk({ choices: [], usage }) + "data: [DONE]\n\n");
}

async function answerMetrics(res: ServerResponse, engine: Engine): Promise<void> {
  const { script } = engine;
  if (script.delayMs) await sleep(script.delayMs);
  if (res.destroyed) return;
  if (script.location) {
    res.writeHead(302, { location: script.location });
    res.end();
    return;
  }
  res.writeHead(script.status ?? 200, { "content-type": "text/plain; version=0.0.4" });
  res.write(script.body ?? vllmPage(0));
  for (let i = 0; script.repeat && i < script.repeat.times && !res.destroyed; i++) {
    if (!res.write(script.repeat.text)) await new Promise((r) => res.once("drain", r).once("close", r));
  }
  res.end();
}

export async function startMetricsOrigin(): Promise<{ url: string; close: () => Promise<void> }> {
  const engines = new Map<string, Engine>();
  const engine = (name: string) => {
    let e = engines.get(name);
    if (!e) engines.set(name, (e = { script: {}, reads: 0, lastAuthorization: null }));
    return e;
  };
  const server = createServer((req, res) => {
    (async () => {
      const [, first = "", ...rest] = (req.url ?? "/").split("?")[0]!.split("/");
      const path = "/" + rest.join("/");
      if (first === "_engines") {
        const e = engine(path.slice(1));
        if (req.method === "POST") e.script = JSON.parse(await readBody(req)) as MetricsScript;
        res.writeHead(200, { "content-type": "application/json" });
        res.end(JSON.stringify({ reads: e.reads, lastAuthorization: e.lastAuthorization }));
      } else if (path === "/metrics") {
        const e = engine(first);
        e.reads++;
        e.lastAuthorization = req.headers.authorization ?? null;
        await answerMetrics(res, e);
      } else if (path === "/health") {
        res.writeHead(200).end("ok");
      } else if (req.method === "POST" && path.startsWith("/v1/")) {
        answerChat(res, await readBody(req));
      } else {
        res.writeHead(404).end();
      }
    })().catch(() => res.destroy());
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url,
    close: () =>
      new Promise((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
}
