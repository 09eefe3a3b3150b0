// A minimal Chrome DevTools Protocol client for workerd's inspector: enough
// to force a garbage collection in the router's isolate and read its V8 heap
// (the load run's leak check). The router's target is `core:user:<name>`:
// its Durable Objects run in the same isolate, so their memory counts too. Speaks just the WebSocket framing it needs
// (text frames, masked as a client must; no extensions), over node:http.

import { randomBytes } from "node:crypto";
import { request } from "node:http";
import type { Socket } from "node:net";

interface Target {
  id: string;
  title?: string;
  webSocketDebuggerUrl: string;
}

/** The inspector targets workerd offers (one per Worker service, Miniflare's own included). */
export async function inspectorTargets(inspectorUrl: string): Promise<Target[]> {
  const res = await fetch(`${inspectorUrl.replace(/^ws/, "http")}/json/list`);
  if (!res.ok) throw new Error(`inspector /json/list -> ${res.status}`);
  return (await res.json()) as Target[];
}

/** One protocol session: `call` sends a method and resolves its result. */
export class InspectorSession {
  private nextId = 1;
  private buffered = Buffer.alloc(0);
  private fragments: Buffer[] = [];
  private readonly waiting = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void }>();

  private constructor(private readonly socket: Socket) {
    socket.on("data", (chunk: Buffer) => this.receive(chunk));
    const fail = (err: Error): void => {
      for (const w of this.waiting.values()) w.reject(err);
      this.waiting.clear();
    };
    socket.on("error", fail);
    socket.on("close", () => fail(new Error("inspector connection closed")));
  }

  static connect(webSocketUrl: string): Promise<InspectorSession> {
    const url = new URL(webSocketUrl);
    return new Promise((resolve, reject) => {
      const req = request({
        host: url.hostname,
        port: url.port,
        path: url.pathname + url.search,
        headers: { connection: "Upgrade", upgrade: "websocket", "sec-websocket-key": randomBytes(16).toString("base64"), "sec-websocket-version": "13" },
      });
      req.on("upgrade", (_res, socket: Socket, head: Buffer) => {
        const session = new InspectorSession(socket);
        if (head.length) session.receive(head);
        resolve(session);
      });
      req.on("response", (res) => reject(new Error(`inspector refused the WebSocket upgrade: ${res.statusCode}`)));
      req.on("error", reject);
      req.end();
    });
  }

  call<T>(method: string, params: Record<string, unknown> = {}): Promise<T> {
    const id = this.nextId++;
    const done = new Promise<T>((resolve, reject) => this.waiting.set(id, { resolve: resolve as (v: unknown) => void, reject }));
    this.send(JSON.stringify({ id, method, params }));
    return done;
  }

  close(): void {
    this.socket.end(frame(0x8, Buffer.alloc(0)));
    this.socket.destroy();
  }

  private send(text: string): void {
    this.socket.write(frame(0x1, Buffer.from(text)));
  }

  /** Unmasked server frames; text messages may come in fragments. */
  private receive(chunk: Buffer): void {
    this.buffered = Buffer.concat([this.buffered, chunk]);
    for (;;) {
      const b = this.buffered;
      if (b.length < 2) return;
      let length = b[1]! & 0x7f;
      let offset = 2;
      if (length === 126) {
        if (b.length < 4) return;
        length = b.readUInt16BE(2);
        offset = 4;
      } else if (length === 127) {
        if (b.length < 10) return;
        length = Number(b.readBigUInt64BE(2));
        offset = 10;
      }
      if (b.length < offset + length) return;
      const fin = (b[0]! & 0x80) !== 0;
      const opcode = b[0]! & 0x0f;
      const payload = b.subarray(offset, offset + length);
      this.buffered = b.subarray(offset + length);
      if (opcode === 0x9) this.socket.write(frame(0xa, payload)); // ping -> pong
      if (opcode !== 0x1 && opcode !== 0x0) continue;
      this.fragments.push(payload);
      if (!fin) continue;
      const text = Buffer.concat(this.fragments).toString("utf8");
      this.fragments = [];
      if (text.startsWith('{"method"')) continue; // an event (e.g. heap snapshot chunks): not needed
      const message = JSON.parse(text) as { id?: number; result?: unknown; error?: { message: string } };
      const waiter = message.id === undefined ? undefined : this.waiting.get(message.id);
      if (!waiter) continue;
      this.waiting.delete(message.id!);
      if (message.error) waiter.reject(new Error(message.error.message));
      else waiter.resolve(message.result);
    }
  }
}

/** A client frame: FIN, the opcode, a mask and the masked payload. */
function frame(opcode: number, payload: Buffer): Buffer {
  const mask = randomBytes(4);
  const n = payload.length;
  const head = n < 126 ? Buffer.from([0x80 | opcode, 0x80 | n]) : n < 65536 ? Buffer.alloc(4) : Buffer.alloc(10);
  if (n >= 126 && n < 65536) {
    head[0] = 0x80 | opcode;
    head[1] = 0x80 | 126;
    head.writeUInt16BE(n, 2);
  } else if (n >= 65536) {
    head[0] = 0x80 | opcode;
    head[1] = 0x80 | 127;
    head.writeBigUInt64BE(BigInt(n), 2);
  }
  const masked = Buffer.from(payload);
  for (let i = 0; i < n; i++) masked[i] = masked[i]! ^ mask[i & 3]!;
  return Buffer.concat([head, mask, masked]);
}

/** Memory of one isolate, in MiB, after a full garbage collection. */
export interface HeapAfterGc {
  /** Live objects on the V8 heap. */
  usedMiB: number;
  /** What the heap has taken from the system. */
  totalMiB: number;
  /** ArrayBuffer contents (request and response bytes, wasm memory): outside the heap, kept alive from it. */
  buffersMiB: number;
}

/**
 * Forces a full GC in the target's isolate and reads its heap. workerd does
 * not answer HeapProfiler.collectGarbage, but a heap snapshot collects
 * garbage first (its chunks, a few MB, are read and dropped), and
 * Runtime.getHeapUsage answers once Runtime is enabled.
 */
export async function heapAfterGc(session: InspectorSession): Promise<HeapAfterGc> {
  await session.call("Runtime.enable");
  await session.call("HeapProfiler.takeHeapSnapshot", { reportProgress: false });
  const usage = await session.call<{ usedSize: number; totalSize: number; backingStorageSize?: number }>("Runtime.getHeapUsage");
  return { usedMiB: usage.usedSize / 2 ** 20, totalMiB: usage.totalSize / 2 ** 20, buffersMiB: (usage.backingStorageSize ?? 0) / 2 ** 20 };
}
