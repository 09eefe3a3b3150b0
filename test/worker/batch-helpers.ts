// Batch API helpers for the workerd tests: multipart uploads and polling.
import { exports } from "cloudflare:workers";

type Json = Record<string, any>;

export const batchLine = (customId: string, model: string, content = "hi", extra: Json = {}) =>
  JSON.stringify({ custom_id: customId, method: "POST", url: "/v1/chat/completions", body: { model, messages: [{ role: "user", content }], max_tokens: 4, ...extra } });

export function call(key: string, method: string, path: string, body?: unknown, headers: Record<string, string> = {}): Promise<Response> {
  return exports.default.fetch(`http://meridian.test${path}`, {
    method,
    headers: { authorization: `Bearer ${key}`, ...(body === undefined ? {} : { "content-type": "application/json" }), ...headers },
    body: body === undefined ? undefined : typeof body === "string" ? body : JSON.stringify(body),
  });
}

export async function upload(key: string, text: string, purpose = "batch", filename = "in.jsonl"): Promise<Response> {
  const form = new FormData();
  form.set("purpose", purpose);
  form.set("file", new File([text], filename, { type: "application/jsonl" }));
  return exports.default.fetch("http://meridian.test/v1/files", { method: "POST", headers: { authorization: `Bearer ${key}` }, body: form });
}

export async function uploadOk(key: string, lines: string[]): Promise<string> {
  const res = await upload(key, lines.join("\n") + "\n");
  if (res.status !== 200) throw new Error(`upload -> ${res.status} ${await res.text()}`);
  return ((await res.json()) as Json).id as string;
}

export async function createBatch(key: string, fileId: string, headers: Record<string, string> = {}, extra: Json = {}): Promise<Json> {
  const res = await call(key, "POST", "/v1/batches", { input_file_id: fileId, endpoint: "/v1/chat/completions", completion_window: "24h", ...extra }, headers);
  if (res.status !== 200) throw new Error(`create -> ${res.status} ${await res.text()}`);
  return (await res.json()) as Json;
}

export async function getBatch(key: string, id: string): Promise<Json> {
  const res = await call(key, "GET", `/v1/batches/${id}`);
  if (res.status !== 200) throw new Error(`get -> ${res.status} ${await res.text()}`);
  return (await res.json()) as Json;
}

const FINAL = ["completed", "failed", "expired", "cancelled"];

/** Polls until the batch is final (or `timeoutMs` passes). */
export async function waitForBatch(key: string, id: string, timeoutMs = 20_000): Promise<Json> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const batch = await getBatch(key, id);
    if (FINAL.includes(batch.status)) return batch;
    if (Date.now() > until) throw new Error(`batch still ${batch.status} after ${timeoutMs} ms: ${JSON.stringify(batch.request_counts)}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** A file's lines, parsed. */
export async function fileLines(key: string, fileId: string): Promise<Json[]> {
  const res = await call(key, "GET", `/v1/files/${fileId}/content`);
  if (res.status !== 200) throw new Error(`content -> ${res.status} ${await res.text()}`);
  return (await res.text()).split("\n").filter(Boolean).map((l) => JSON.parse(l) as Json);
}
