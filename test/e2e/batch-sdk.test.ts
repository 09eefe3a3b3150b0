// The Batch API through `npm run dev` with the official openai SDK, unchanged:
// files.create, batches.create, batches.retrieve (polled), files.content.
import OpenAI, { toFile } from "openai";
import { describe, expect, inject, it } from "vitest";

const dev = inject("dev");
const client = new OpenAI({ baseURL: `${dev.url}/v1`, apiKey: dev.demoKey, maxRetries: 0 });

describe("the Batch API with the official openai SDK through npm run dev", () => {
  it("uploads, runs, polls and reads the results", async () => {
    const ids = Array.from({ length: 12 }, (_, i) => `req-${i}`);
    const jsonl = ids
      .map((id, i) => JSON.stringify({ custom_id: id, method: "POST", url: "/v1/chat/completions", body: { model: i % 2 ? "llama-1.5b" : "llama-8b", messages: [{ role: "user", content: `Question ${i}` }], max_tokens: 8 } }))
      .join("\n");
    const file = await client.files.create({ file: await toFile(Buffer.from(jsonl), "requests.jsonl"), purpose: "batch" });
    expect(file).toMatchObject({ object: "file", purpose: "batch", bytes: Buffer.byteLength(jsonl) });

    const batch = await client.batches.create({ input_file_id: file.id, endpoint: "/v1/chat/completions", completion_window: "24h", metadata: { run: "e2e" } });
    expect(batch.status).toBe("in_progress");
    expect(batch.request_counts?.total).toBe(12);

    let current = batch;
    for (const deadline = Date.now() + 25_000; !["completed", "failed", "expired", "cancelled"].includes(current.status); ) {
      if (Date.now() > deadline) throw new Error(`batch still ${current.status}: ${JSON.stringify(current.request_counts)}`);
      await new Promise((r) => setTimeout(r, 250));
      current = await client.batches.retrieve(batch.id);
    }
    expect(current.status).toBe("completed");
    expect(current.request_counts).toEqual({ total: 12, completed: 12, failed: 0 });
    expect(current.metadata).toEqual({ run: "e2e" });

    const content = await client.files.content(current.output_file_id!);
    const lines = (await content.text()).trim().split("\n").map((l) => JSON.parse(l));
    expect(lines.map((l) => l.custom_id).sort()).toEqual([...ids].sort());
    for (const line of lines) {
      expect(line.response.status_code).toBe(200);
      expect(line.response.body.choices[0].message.content).toBeTruthy();
    }

    const listed = [];
    for await (const b of client.batches.list({ limit: 5 })) listed.push(b.id);
    expect(listed).toContain(batch.id);
  });
});
