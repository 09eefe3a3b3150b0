// Helpers for tests that drive the whole worker inside workerd, with real KV,
// real Durable Objects and real HTTP to the origins started in fleet-setup.ts.
import { createExecutionContext, waitOnExecutionContext } from "cloudflare:test";
import { env, exports } from "cloudflare:workers";
import { inject } from "vitest";
import worker from "../../worker/index";

// The tokens vitest.config.ts binds: ADMIN_TOKEN (label `admin`) and the `ci` entry of ADMIN_TOKENS.
export const ADMIN_TOKEN = "test-admin-token-0123456789abcdefghij";
export const CI_TOKEN = "test-ci-token-0123456789abcdefghijklmn";
export const fleet = () => inject("fleet");

type Json = Record<string, unknown>;

export function request(method: string, path: string, init: { body?: unknown; headers?: Record<string, string> } = {}): Promise<Response> {
  const body = init.body === undefined || method === "GET" || method === "HEAD" ? undefined : typeof init.body === "string" ? init.body : JSON.stringify(init.body);
  return exports.default.fetch(`http://meridian.test${path}`, {
    method,
    headers: { "content-type": "application/json", ...init.headers },
    body,
  });
}

const unsettled: ExecutionContext[] = [];

/**
 * Like `request`, but through the worker's fetch handler with an execution
 * context of its own, so that `settle()` can wait for what it left to waitUntil.
 */
export function trackedRequest(method: string, path: string, init: { body?: unknown; headers?: Record<string, string> } = {}): Promise<Response> {
  const body = init.body === undefined || method === "GET" || method === "HEAD" ? undefined : typeof init.body === "string" ? init.body : JSON.stringify(init.body);
  const ctx = createExecutionContext();
  unsettled.push(ctx);
  return Promise.resolve(worker.fetch(new Request(`http://meridian.test${path}`, { method, headers: { "content-type": "application/json", ...init.headers }, body }), env, ctx));
}

/** `chat` through `trackedRequest`. */
export function trackedChat(key: string, body: Json, headers: Record<string, string> = {}): Promise<Response> {
  return trackedRequest("POST", "/v1/chat/completions", { body, headers: { authorization: `Bearer ${key}`, ...headers } });
}

/**
 * Waits until the background work (waitUntil) of every tracked request so far
 * is done: cache entries, the semantic index, usage reports. Read the answers
 * first: an answer is stored only once it has been delivered.
 */
export async function settle(): Promise<void> {
  while (unsettled.length > 0) await waitOnExecutionContext(unsettled.shift()!);
}

export async function admin(method: string, path: string, body?: unknown): Promise<Response> {
  return request(method, `/admin/v1${path}`, { body, headers: { authorization: `Bearer ${ADMIN_TOKEN}` } });
}

export async function adminJson<T = Json>(method: string, path: string, body?: unknown): Promise<T> {
  const res = await admin(method, path, body);
  if (!res.ok) throw new Error(`${method} ${path} -> ${res.status} ${await res.text()}`);
  return (await res.json()) as T;
}

export interface OriginSpec {
  region?: string;
  lat?: number;
  lon?: number;
  models?: Record<string, string>;
  price?: { input_per_m: number; output_per_m: number };
  auth?: { header: string; value: string };
  streamRelay?: "checked" | "native";
}

/** Registers an origin served by the named fleet member. */
export async function registerOrigin(id: string, member: string, spec: OriginSpec = {}): Promise<void> {
  const target = fleet()[member];
  if (!target) throw new Error(`no fleet member ${member}`);
  await adminJson("PUT", `/origins/${id}`, {
    base_url: target.baseUrl,
    region: spec.region ?? "weur",
    lat: spec.lat ?? 50.1,
    lon: spec.lon ?? 8.7,
    models: spec.models ?? { "llama-8b": "llama-8b" },
    price: spec.price ?? { input_per_m: 0.2, output_per_m: 0.6 },
    ...(spec.auth ? { auth: spec.auth } : {}),
    ...(spec.streamRelay ? { stream_relay: spec.streamRelay } : {}),
  });
}

let tenantCounter = 0;

/** A fresh tenant with one key; `models` limits what it may call. */
export async function newTenant(models?: string[]): Promise<{ id: string; key: string; keyId: string }> {
  const id = `tenant-${++tenantCounter}-${crypto.randomUUID().slice(0, 8)}`;
  await adminJson("PUT", `/tenants/${id}`, { name: id, ...(models ? { models } : {}) });
  const key = await adminJson<{ key: string; id: string }>("POST", `/tenants/${id}/keys`, {});
  return { id, key: key.key, keyId: key.id };
}

export function chat(key: string, body: Json, headers: Record<string, string> = {}): Promise<Response> {
  return request("POST", "/v1/chat/completions", { body, headers: { authorization: `Bearer ${key}`, ...headers } });
}

export const userMessage = (content: string) => [{ role: "user", content }];

/** Reads an SSE body as the list of `data:` payloads, with when each chunk arrived. */
export async function readSse(res: Response): Promise<{ events: string[]; arrivals: number[] }> {
  const reader = res.body!.getReader();
  const decoder = new TextDecoder();
  const events: string[] = [];
  const arrivals: number[] = [];
  let buffer = "";
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    arrivals.push(Date.now());
    buffer += decoder.decode(value, { stream: true });
    let end: number;
    while ((end = buffer.indexOf("\n\n")) >= 0) {
      const block = buffer.slice(0, end);
      buffer = buffer.slice(end + 2);
      for (const line of block.split("\n")) if (line.startsWith("data:")) events.push(line.slice(5).trim());
    }
  }
  return { events, arrivals };
}

export async function expectOpenAiError(res: Response, status: number): Promise<{ message: string; type: string; code: string; [k: string]: unknown }> {
  if (res.status !== status) throw new Error(`expected ${status}, got ${res.status}: ${await res.text()}`);
  const body = (await res.json()) as { error?: { message: string; type: string; code: string } };
  if (!body.error || typeof body.error.message !== "string" || typeof body.error.type !== "string" || typeof body.error.code !== "string") {
    throw new Error(`not an OpenAI error shape: ${JSON.stringify(body)}`);
  }
  return body.error;
}
