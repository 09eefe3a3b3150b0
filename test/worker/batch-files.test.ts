// The output/error file writer against the real R2 binding: small files in
// one put, large ones in multipart parts, byte for byte either way.
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { getFile, headFile, JsonlFileWriter } from "../../worker/batch/files-store";
import { newFileId } from "../../worker/batch/ids";

async function write(lines: string[]): Promise<{ id: string; text: string; bytes: number }> {
  const writer = new JsonlFileWriter(env.BATCH_FILES, "writer-tenant", newFileId(), "out.jsonl", "batch_output", Date.now());
  for (const line of lines) await writer.add(line);
  const file = await writer.finish();
  const got = await getFile(env.BATCH_FILES, "writer-tenant", file!.id);
  return { id: file!.id, text: await got!.body.text(), bytes: file!.bytes };
}

describe("JsonlFileWriter", () => {
  it("writes a small file in one put", async () => {
    const { text, bytes, id } = await write(['{"a":1}', '{"b":"é"}']);
    expect(text).toBe('{"a":1}\n{"b":"é"}\n');
    expect(bytes).toBe(new TextEncoder().encode(text).byteLength);
    expect((await headFile(env.BATCH_FILES, "writer-tenant", id))).toMatchObject({ purpose: "batch_output", filename: "out.jsonl", bytes });
  });

  it("writes a file past 5 MiB in parts, unchanged, multi-byte characters included", async () => {
    const lines = Array.from({ length: 1500 }, (_, i) => JSON.stringify({ i, text: `${"x".repeat(4000)}€${i}` }));
    const { text, bytes } = await write(lines);
    expect(bytes).toBeGreaterThan(5 * 1024 * 1024);
    expect(text).toBe(lines.join("\n") + "\n");
    expect(bytes).toBe(new TextEncoder().encode(text).byteLength);
  });

  it("writes no file for no lines", async () => {
    const writer = new JsonlFileWriter(env.BATCH_FILES, "writer-tenant", newFileId(), "none.jsonl", "batch_output", Date.now());
    expect(await writer.finish()).toBeNull();
  });
});
