// The Batch API end to end inside workerd: files in R2, one Durable Object per
// batch sending its lines through the request path to real local origins.
import { beforeAll, describe, expect, it } from "vitest";
import { adminJson, expectOpenAiError, newTenant, registerOrigin } from "./helpers";
import { batchLine, call, createBatch, fileLines, getBatch, upload, uploadOk, waitForBatch } from "./batch-helpers";

const MODEL = "batch-8b";

beforeAll(async () => {
  await registerOrigin("batch-healthy", "healthy", { models: { [MODEL]: "llama-8b" } });
});

describe("files", () => {
  it("stores a batch file and gives it back unchanged", async () => {
    const { key } = await newTenant();
    const text = `${batchLine("a", MODEL)}\n${batchLine("b", MODEL)}\n`;
    const res = await upload(key, text);
    expect(res.status).toBe(200);
    const file = (await res.json()) as Record<string, any>;
    expect(file).toMatchObject({ object: "file", purpose: "batch", bytes: text.length, filename: "in.jsonl", status: "processed" });
    expect(file.id).toMatch(/^file-[0-9a-f]{32}$/);
    expect(await (await call(key, "GET", `/v1/files/${file.id}`)).json()).toEqual(file);
    const content = await call(key, "GET", `/v1/files/${file.id}/content`);
    expect(await content.text()).toBe(text);
  });

  it("refuses bad files with an OpenAI-shaped 400 naming the line", async () => {
    const { key } = await newTenant();
    const cases: [string, RegExp][] = [
      [`${batchLine("a", MODEL)}\n{oops`, /Line 2: Line is not valid JSON/],
      [`${batchLine("a", MODEL)}\n${batchLine("a", MODEL)}`, /Line 2: Duplicate custom_id 'a'/],
      [batchLine("a\r\nx-evil: 1", MODEL), /control characters/],
      [JSON.stringify({ custom_id: "a", method: "GET", url: "/v1/chat/completions", body: {} }), /method must be POST/],
      [JSON.stringify({ custom_id: "a", method: "POST", url: "/v1/responses", body: {} }), /url must be one of/],
      [JSON.stringify({ custom_id: "a", method: "POST", url: "/v1/chat/completions", body: [] }), /body must be a JSON object/],
      ["", /no requests/],
    ];
    for (const [text, message] of cases) {
      const error = await expectOpenAiError(await upload(key, text), 400);
      expect(error.message).toMatch(message);
      expect(error.code).toBe("invalid_file");
    }
    expect((await expectOpenAiError(await upload(key, batchLine("a", MODEL), "fine-tune"), 400)).code).toBe("invalid_purpose");
    // Not UTF-8.
    const form = new FormData();
    form.set("purpose", "batch");
    form.set("file", new File([new Uint8Array([0xff, 0xfe, 0x0a])], "x.jsonl"));
    expect((await expectOpenAiError(await fetchForm(key, form), 400)).message).toMatch(/UTF-8/);
    // Not multipart.
    expect((await expectOpenAiError(await call(key, "POST", "/v1/files", { purpose: "batch" }), 400)).code).toBe("invalid_content_type");
  });

  it("refuses a file over the size limit with 413", async () => {
    const { key } = await newTenant();
    const lines: string[] = [];
    for (let i = 0; lines.join("\n").length < 70_000; i++) lines.push(batchLine(`l${i}`, MODEL, "x".repeat(200)));
    expect((await expectOpenAiError(await upload(key, lines.join("\n")), 413)).code).toBe("file_too_large");
  });

  it("answers 404 for hostile and unknown ids", async () => {
    const { key } = await newTenant();
    for (const id of ["__proto__", "constructor", "file-..%2f..%2fx", `file-${"0".repeat(32)}`]) {
      await expectOpenAiError(await call(key, "GET", `/v1/files/${id}`), 404);
      await expectOpenAiError(await call(key, "GET", `/v1/files/${id}/content`), 404);
    }
  });
});

async function fetchForm(key: string, form: FormData) {
  const { exports } = await import("cloudflare:workers");
  return exports.default.fetch("http://meridian.test/v1/files", { method: "POST", headers: { authorization: `Bearer ${key}` }, body: form });
}

describe("batches", () => {
  it("runs a batch to completion: output file with every custom_id, counts, listing", async () => {
    const { key } = await newTenant();
    const ids = ["first", "__proto__", "constructor", "third"];
    const fileId = await uploadOk(key, ids.map((id, i) => batchLine(id, MODEL, `question ${i}`)));
    const created = await createBatch(key, fileId, {}, { metadata: { job: "nightly", __proto__: "x" } });
    expect(created).toMatchObject({ object: "batch", endpoint: "/v1/chat/completions", input_file_id: fileId, completion_window: "24h", status: "in_progress" });
    expect(created.id).toMatch(/^batch_[0-9a-f]{32}$/);
    expect(created.request_counts.total).toBe(4);
    expect(created.expires_at - created.created_at).toBe(86_400);
    expect(created.metadata).toEqual({ job: "nightly" }); // a JSON literal's __proto__ key sets the prototype, not a key: it never arrives

    const done = await waitForBatch(key, created.id);
    expect(done.status).toBe("completed");
    expect(done.request_counts).toEqual({ total: 4, completed: 4, failed: 0 });
    expect(done.error_file_id).toBeNull();
    expect(done.completed_at).toBeGreaterThanOrEqual(done.created_at);
    const out = await fileLines(key, done.output_file_id);
    expect(out.map((l) => l.custom_id).sort()).toEqual([...ids].sort());
    for (const line of out) {
      expect(line.id).toMatch(/^batch_req_[0-9a-f]{32}$/);
      expect(line.error).toBeNull();
      expect(line.response.status_code).toBe(200);
      expect(line.response.request_id).toMatch(/^req_/);
      expect(line.response.body.object).toBe("chat.completion");
      expect(line.response.body.choices[0].message.content.length).toBeGreaterThan(0);
    }
    const output = await (await call(key, "GET", `/v1/files/${done.output_file_id}`)).json();
    expect(output).toMatchObject({ purpose: "batch_output", filename: `${created.id}_output.jsonl` });

    const list = (await (await call(key, "GET", "/v1/batches?limit=10")).json()) as Record<string, any>;
    expect(list).toMatchObject({ object: "list", has_more: false, first_id: created.id });
    expect(list.data.map((b: any) => b.id)).toEqual([created.id]);
  });

  it("lists newest first and pages with after/limit", async () => {
    const { key } = await newTenant();
    const fileId = await uploadOk(key, [batchLine("only", MODEL)]);
    const made: string[] = [];
    for (let i = 0; i < 3; i++) {
      made.push((await createBatch(key, fileId)).id);
      await new Promise((r) => setTimeout(r, 1_050)); // created_at is in seconds
    }
    const page1 = (await (await call(key, "GET", "/v1/batches?limit=2")).json()) as Record<string, any>;
    expect(page1.data.map((b: any) => b.id)).toEqual([made[2], made[1]]);
    expect(page1.has_more).toBe(true);
    const page2 = (await (await call(key, "GET", `/v1/batches?limit=2&after=${page1.last_id}`)).json()) as Record<string, any>;
    expect(page2.data.map((b: any) => b.id)).toEqual([made[0]]);
    expect(page2.has_more).toBe(false);
    for (const bad of ["0", "101", "abc", "1e2", "NaN"]) await expectOpenAiError(await call(key, "GET", `/v1/batches?limit=${bad}`), 400);
    await expectOpenAiError(await call(key, "GET", "/v1/batches?after=__proto__"), 400);
    for (const id of made) await waitForBatch(key, id);
  });

  it("refuses bad batch requests with OpenAI-shaped errors", async () => {
    const { key } = await newTenant();
    const fileId = await uploadOk(key, [batchLine("a", MODEL)]);
    const create = (body: unknown) => call(key, "POST", "/v1/batches", body);
    const base = { input_file_id: fileId, endpoint: "/v1/chat/completions", completion_window: "24h" };
    expect((await expectOpenAiError(await create({ ...base, completion_window: "48h" }), 400)).param).toBe("completion_window");
    expect((await expectOpenAiError(await create({ ...base, endpoint: "/v1/responses" }), 400)).param).toBe("endpoint");
    expect((await expectOpenAiError(await create({ ...base, input_file_id: 5 }), 400)).param).toBe("input_file_id");
    expect((await expectOpenAiError(await create({ ...base, metadata: { a: 1 } }), 400)).param).toBe("metadata");
    expect((await expectOpenAiError(await create({ ...base, endpoint: "/v1/embeddings" }), 400)).code).toBe("mismatched_endpoint");
    await expectOpenAiError(await create({ ...base, input_file_id: `file-${"0".repeat(32)}` }), 404);
    await expectOpenAiError(await create({ ...base, input_file_id: "__proto__" }), 404);
    await expectOpenAiError(await call(key, "POST", "/v1/batches", "not json{"), 400);
    await expectOpenAiError(await call(key, "POST", "/v1/batches", "[1]"), 400);
    // Prototype names in metadata are plain keys, kept as sent.
    const raw = `{"input_file_id":"${fileId}","endpoint":"/v1/chat/completions","completion_window":"24h","metadata":{"__proto__":"p","constructor":"c"}}`;
    const made = (await (await call(key, "POST", "/v1/batches", raw)).json()) as Record<string, any>;
    expect(Object.keys(made.metadata)).toEqual(["__proto__", "constructor"]);
    expect(made.metadata.constructor).toBe("c");
    await waitForBatch(key, made.id);
    await expectOpenAiError(await call(key, "GET", "/v1/batches/constructor"), 404);
    await expectOpenAiError(await call(key, "POST", "/v1/batches/__proto__/cancel"), 404);
  });

  it("keeps tenants apart: another tenant's file and batch ids are 404", async () => {
    const a = await newTenant();
    const b = await newTenant();
    const fileId = await uploadOk(a.key, [batchLine("a", MODEL)]);
    const batch = await createBatch(a.key, fileId);
    await expectOpenAiError(await call(b.key, "GET", `/v1/files/${fileId}`), 404);
    await expectOpenAiError(await call(b.key, "GET", `/v1/files/${fileId}/content`), 404);
    await expectOpenAiError(await call(b.key, "POST", "/v1/batches", { input_file_id: fileId, endpoint: "/v1/chat/completions", completion_window: "24h" }), 404);
    await expectOpenAiError(await call(b.key, "GET", `/v1/batches/${batch.id}`), 404);
    await expectOpenAiError(await call(b.key, "POST", `/v1/batches/${batch.id}/cancel`), 404);
    expect(((await (await call(b.key, "GET", "/v1/batches")).json()) as any).data).toEqual([]);
    await expectOpenAiError(await call(b.key, "GET", `/v1/batches?after=${batch.id}`), 400);
    const done = await waitForBatch(a.key, batch.id);
    expect(done.status).toBe("completed");
    await expectOpenAiError(await call(b.key, "GET", `/v1/files/${done.output_file_id}/content`), 404);
  });

  it("runs an embeddings batch", async () => {
    const { key } = await newTenant();
    const lines = ["e1", "e2"].map((id) => JSON.stringify({ custom_id: id, method: "POST", url: "/v1/embeddings", body: { model: MODEL, input: `text ${id}` } }));
    const batch = await createBatch(key, await uploadOk(key, lines), {}, { endpoint: "/v1/embeddings" });
    const done = await waitForBatch(key, batch.id);
    expect(done).toMatchObject({ status: "completed", endpoint: "/v1/embeddings", request_counts: { total: 2, completed: 2, failed: 0 } });
    for (const line of await fileLines(key, done.output_file_id)) {
      expect(line.response.status_code).toBe(200);
      expect(line.response.body.data[0].embedding.length).toBeGreaterThan(0);
    }
  });

  it("puts a line the endpoint refuses (400) in the error file at once, without retries", async () => {
    const { key } = await newTenant();
    const bad = JSON.stringify({ custom_id: "bad", method: "POST", url: "/v1/chat/completions", body: { model: MODEL, messages: "not a list" } });
    const done = await waitForBatch(key, (await createBatch(key, await uploadOk(key, [batchLine("good", MODEL), bad]))).id);
    expect(done.request_counts).toEqual({ total: 2, completed: 1, failed: 1 });
    const [line] = await fileLines(key, done.error_file_id);
    expect(line).toMatchObject({ custom_id: "bad", error: null, response: { status_code: 400, body: { error: { type: "invalid_request_error" } } } });
  });

  it("needs a key", async () => {
    await expectOpenAiError(await call("nope", "GET", "/v1/batches"), 401);
  });
});

describe("dispatch", () => {
  beforeAll(async () => {
    await registerOrigin("batch-paced", "paced", { models: { "batch-slow": "llama-8b" } });
    await registerOrigin("batch-failing", "failing", { models: { "batch-fail": "llama-8b" } });
  });

  const slowLines = (n: number) => Array.from({ length: n }, (_, i) => batchLine(`s${i}`, "batch-slow", `slow ${i}`, { max_tokens: 40 }));

  it("cancel stops the batch within seconds: cancelling, then cancelled, the rest in the error file", async () => {
    const { key } = await newTenant();
    const batch = await createBatch(key, await uploadOk(key, slowLines(40)));
    await new Promise((r) => setTimeout(r, 300));
    const cancelled = (await (await call(key, "POST", `/v1/batches/${batch.id}/cancel`)).json()) as Record<string, any>;
    expect(["cancelling", "cancelled"]).toContain(cancelled.status);
    const started = Date.now();
    const done = await waitForBatch(key, batch.id, 10_000);
    expect(Date.now() - started).toBeLessThan(5_000);
    expect(done.status).toBe("cancelled");
    expect(done.cancelled_at).toBeGreaterThanOrEqual(done.cancelling_at);
    expect(done.request_counts.completed).toBeLessThan(40);
    const errors = await fileLines(key, done.error_file_id);
    expect(errors.length).toBe(40 - done.request_counts.completed);
    expect(errors[0]).toMatchObject({ response: null, error: { code: "batch_cancelled" } });
    // Cancelling again changes nothing.
    expect(((await (await call(key, "POST", `/v1/batches/${batch.id}/cancel`)).json()) as any).status).toBe("cancelled");
  });

  it("a batch that cannot finish in its window ends expired, the rest in the error file", async () => {
    const { key } = await newTenant();
    const batch = await createBatch(key, await uploadOk(key, slowLines(40)), { "x-meridian-test-window-ms": "1500" });
    const done = await waitForBatch(key, batch.id, 15_000);
    expect(done.status).toBe("expired");
    expect(done.expired_at).not.toBeNull();
    expect(done.request_counts.total).toBe(40);
    expect(done.request_counts.completed + done.request_counts.failed).toBe(40);
    const errors = await fileLines(key, done.error_file_id);
    expect(errors.some((l) => l.error?.code === "batch_expired")).toBe(true);
    expect(errors.every((l) => l.custom_id.startsWith("s"))).toBe(true);
  });

  it("retries a failing line with backoff, then puts its last answer in the error file", async () => {
    const { key } = await newTenant();
    const batch = await createBatch(key, await uploadOk(key, [batchLine("doomed", "batch-fail")]));
    const started = Date.now();
    const done = await waitForBatch(key, batch.id, 20_000);
    expect(done.status).toBe("completed");
    expect(done.request_counts).toEqual({ total: 1, completed: 0, failed: 1 });
    expect(Date.now() - started).toBeGreaterThan(2_500); // 1 s, then 2 s between the three attempts
    expect(done.output_file_id).toBeNull();
    const [line] = await fileLines(key, done.error_file_id);
    expect(line).toMatchObject({ custom_id: "doomed", error: null, response: { status_code: 502 } });
    expect(line!.response.body.error.type).toBeDefined();
  });

  it("stops answering lines once the key that created the batch is revoked", async () => {
    const { id, key, keyId } = await newTenant();
    const other = await adminJson<{ key: string }>("POST", `/tenants/${id}/keys`, {});
    const batch = await createBatch(key, await uploadOk(key, slowLines(40)));
    await new Promise((r) => setTimeout(r, 400));
    await adminJson("DELETE", `/tenants/${id}/keys/${keyId}`);
    const done = await waitForBatch(other.key, batch.id, 30_000);
    expect(done.status).toBe("completed");
    expect(done.request_counts.completed).toBeLessThan(40);
    const errors = await fileLines(other.key, done.error_file_id);
    expect(errors.length).toBe(40 - done.request_counts.completed);
    expect(errors.every((l) => l.response?.status_code === 401)).toBe(true);
    expect(errors[0]!.response.body.error.message).toMatch(/revoked/);
  });

  it("batch lines use their own rate-limit pool: the interactive limit stays whole", async () => {
    const id = `batch-limits-${crypto.randomUUID().slice(0, 8)}`;
    await adminJson("PUT", `/tenants/${id}`, { name: id, limits: { rpm: 3 } });
    const { key } = await adminJson<{ key: string }>("POST", `/tenants/${id}/keys`, {});
    const batch = await createBatch(key, await uploadOk(key, [batchLine("a", MODEL), batchLine("b", MODEL), batchLine("c", MODEL)]));
    expect((await waitForBatch(key, batch.id)).request_counts).toEqual({ total: 3, completed: 3, failed: 0 });
    for (let i = 0; i < 3; i++) {
      const res = await call(key, "POST", "/v1/chat/completions", { model: MODEL, messages: [{ role: "user", content: `hi ${i}` }], max_tokens: 4 });
      expect(res.status).toBe(200);
      await res.text();
    }
    expect((await call(key, "POST", "/v1/chat/completions", { model: MODEL, messages: [{ role: "user", content: "one more" }], max_tokens: 4 })).status).toBe(429);
    expect((await getBatch(key, batch.id)).status).toBe("completed");
  });
});
