// The Batch API through `npm run dev` with the official openai SDK, unchanged:
// files.create, batches.create, batches.retrieve (polled), files.content.
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import OpenAI, { toFile } from "openai";
import { describe, expect, inject, it } from "vitest";
import { main } from "../../scripts/cli/main";

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

describe("meridian batches (the CLI) through npm run dev", () => {
  /** Runs one CLI command in this process, with the tenant key and router URL as options. */
  async function cli(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
    let stdout = "";
    let stderr = "";
    const code = await main([...args, "--url", dev.url, "--key", dev.demoKey], {}, { print: (t) => (stdout += `${t}\n`), note: (t) => (stderr += `${t}\n`) });
    return { code, stdout, stderr };
  }

  it("creates, lists, gets, and prints results; cancel on a finished batch changes nothing", async () => {
    const dir = mkdtempSync(join(tmpdir(), "meridian-batch-cli-"));
    try {
      const path = join(dir, "in.jsonl");
      writeFileSync(path, ["a", "b", "c"].map((id) => JSON.stringify({ custom_id: id, method: "POST", url: "/v1/chat/completions", body: { model: "llama-1.5b", messages: [{ role: "user", content: `cli ${id}` }], max_tokens: 4 } })).join("\n"));
      const created = await cli("batches", "create", path, "--metadata", "source=cli", "--json");
      expect(created.code, created.stderr).toBe(0);
      const id = JSON.parse(created.stdout).id as string;
      let got = await cli("batches", "get", id, "--json");
      for (const deadline = Date.now() + 20_000; JSON.parse(got.stdout).status !== "completed" && Date.now() < deadline; ) {
        await new Promise((r) => setTimeout(r, 250));
        got = await cli("batches", "get", id, "--json");
      }
      expect(JSON.parse(got.stdout)).toMatchObject({ status: "completed", request_counts: { total: 3, completed: 3, failed: 0 }, metadata: { source: "cli" } });
      expect((await cli("batches", "get", id)).stdout).toMatch(/completed \(3 done, 0 failed of 3\)/);
      expect((await cli("batches", "list", "--limit", "5")).stdout).toContain(id);
      const results = await cli("batches", "results", id);
      expect(results.stdout.trim().split("\n").map((l) => JSON.parse(l).custom_id).sort()).toEqual(["a", "b", "c"]);
      const noErrors = await cli("batches", "results", id, "--errors");
      expect(noErrors.code).toBe(1);
      expect(noErrors.stderr).toMatch(/has no error file/);
      expect((await cli("batches", "cancel", id)).stdout).toMatch(/completed/);
      const missing = await cli("batches", "get", "batch_nope");
      expect(missing.code).toBe(1);
      expect(missing.stderr).toMatch(/404: No such Batch object/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
