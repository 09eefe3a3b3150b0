// An origin that answers whatever the request tells it to: the first user
// message carries `script:<base64url JSON>` with the status, headers and body
// chunks to send. The fuzz suite uses it to play hostile origins (endless
// lines, garbled events, lying usage, wrong content types) through the real
// relay without a fleet member per behaviour.
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";

export interface OriginScript {
  status: number;
  headers: Record<string, string>;
  /** Sent one after another: text, a pause in milliseconds, or one text repeated (an endless line fits a small script). */
  chunks: (string | number | { repeat: string; times: number })[];
}

const PREFIX = "script:";

/** The message content that makes the scripted origin play `script`. */
export const scriptMessage = (script: OriginScript): string => PREFIX + Buffer.from(JSON.stringify(script)).toString("base64url");

function readScript(body: string): OriginScript | null {
  try {
    const request = JSON.parse(body) as { messages?: { content?: unknown }[]; prompt?: unknown; input?: unknown };
    const text = request.messages?.[0]?.content ?? request.prompt ?? request.input;
    if (typeof text !== "string" || !text.startsWith(PREFIX)) return null;
    return JSON.parse(Buffer.from(text.slice(PREFIX.length), "base64url").toString()) as OriginScript;
  } catch {
    return null;
  }
}

async function play(req: IncomingMessage, res: ServerResponse): Promise<void> {
  let body = "";
  for await (const chunk of req) body += chunk;
  const script = readScript(body);
  if (!script) {
    res.writeHead(200, { "content-type": "application/json" });
    res.end(JSON.stringify({ object: "list", data: [] }));
    return;
  }
  res.writeHead(script.status, script.headers);
  for (const chunk of script.chunks) {
    if (typeof chunk === "number") await new Promise((r) => setTimeout(r, chunk));
    else if (typeof chunk === "string") await write(res, chunk);
    else for (let i = 0; i < chunk.times && !res.destroyed; i++) await write(res, chunk.repeat);
    if (res.destroyed) return;
  }
  res.end();
}

async function write(res: ServerResponse, text: string): Promise<void> {
  // The router may stop reading (a size cap): a closed socket ends the wait too.
  if (res.write(text)) return;
  await new Promise<void>((resolve) => {
    const done = () => {
      res.off("drain", done);
      res.off("close", done);
      resolve();
    };
    res.on("drain", done);
    res.on("close", done);
  });
}

export async function startScriptedOrigin(): Promise<{ url: string; baseUrl: string; close: () => Promise<void> }> {
  const server = createServer((req, res) => {
    play(req, res).catch(() => res.destroy());
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url,
    baseUrl: `${url}/v1`,
    close: () =>
      new Promise((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
}
