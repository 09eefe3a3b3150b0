// A minimal Chrome DevTools Protocol client for workerd's inspector: enough
// to force a garbage collection in the router's isolate and read its V8 heap
// (the load run's leak check). The router's target is `core:user:<name>`:
// its Durable Objects run in the same isolate, so their memory counts too.

import WebSocket from "ws";

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
  private readonly waiting = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void }>();

  private constructor(private readonly socket: WebSocket) {
    socket.on("message", (data) => this.receive(String(data)));
    const fail = (err: Error): void => {
      for (const w of this.waiting.values()) w.reject(err);
      this.waiting.clear();
    };
    socket.on("error", fail);
    socket.on("close", () => fail(new Error("inspector connection closed")));
  }

  static connect(webSocketUrl: string): Promise<InspectorSession> {
    const socket = new WebSocket(webSocketUrl);
    return new Promise((resolve, reject) => {
      socket.once("open", () => resolve(new InspectorSession(socket)));
      socket.once("error", reject);
    });
  }

  call<T>(method: string, params: Record<string, unknown> = {}): Promise<T> {
    const id = this.nextId++;
    const done = new Promise<T>((resolve, reject) => this.waiting.set(id, { resolve: resolve as (v: unknown) => void, reject }));
    this.socket.send(JSON.stringify({ id, method, params }));
    return done;
  }

  close(): void {
    this.socket.close();
  }

  /** Answers to calls; events (e.g. heap snapshot chunks) are not needed. */
  private receive(text: string): void {
    if (text.startsWith('{"method"')) return;
    const message = JSON.parse(text) as { id?: number; result?: unknown; error?: { message: string } };
    const waiter = message.id === undefined ? undefined : this.waiting.get(message.id);
    if (!waiter) return;
    this.waiting.delete(message.id!);
    if (message.error) waiter.reject(new Error(message.error.message));
    else waiter.resolve(message.result);
  }
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
