// Batch files in R2: the thin adapter over the BATCH_FILES bucket. Every key
// starts with the owning tenant's id, so one tenant's id never finds another
// tenant's file: it is simply not there (404).
import type { FileObject, FilePurpose } from "./shapes";
import { seconds } from "./shapes";

const fileKey = (tenantId: string, fileId: string) => `files/${tenantId}/${fileId}`;

interface FileMeta {
  filename: string;
  purpose: FilePurpose;
  created_at: string;
}

export async function putFile(bucket: R2Bucket, tenantId: string, fileId: string, filename: string, purpose: FilePurpose, body: string | ArrayBuffer, nowMs: number): Promise<FileObject> {
  const meta: FileMeta = { filename, purpose, created_at: String(nowMs) };
  const stored = await bucket.put(fileKey(tenantId, fileId), body, { customMetadata: { ...meta }, httpMetadata: { contentType: "application/jsonl" } });
  return fileObject(fileId, stored.size, meta);
}

/** R2's smallest part but the last (5 MiB). */
const PART_BYTES = 5 * 1024 * 1024;

/**
 * Writes a JSONL file line by line without holding all of it: an output file
 * of 50,000 answers may pass a Durable Object's memory. Small files are one
 * put; past 5 MiB the lines go up in parts of an R2 multipart upload.
 */
export class JsonlFileWriter {
  private buffer: string[] = [];
  private bufferBytes = 0;
  private total = 0;
  private upload: R2MultipartUpload | null = null;
  private readonly parts: R2UploadedPart[] = [];
  private readonly meta: FileMeta;
  count = 0;

  constructor(
    private readonly bucket: R2Bucket,
    private readonly tenantId: string,
    readonly fileId: string,
    filename: string,
    purpose: FilePurpose,
    nowMs: number,
  ) {
    this.meta = { filename, purpose, created_at: String(nowMs) };
  }

  async add(line: string): Promise<void> {
    const text = `${line}\n`;
    this.buffer.push(text);
    this.bufferBytes += utf8Length(text);
    this.count++;
    if (this.bufferBytes >= PART_BYTES) await this.flushPart();
  }

  /** The stored file, or null when no line was added (no file then). */
  async finish(): Promise<FileObject | null> {
    if (this.count === 0) return null;
    if (!this.upload) return putFile(this.bucket, this.tenantId, this.fileId, this.meta.filename, this.meta.purpose, this.buffer.join(""), Number(this.meta.created_at));
    if (this.bufferBytes > 0) await this.flushPart();
    await this.upload.complete(this.parts);
    return fileObject(this.fileId, this.total, this.meta);
  }

  private async flushPart(): Promise<void> {
    this.upload ??= await this.bucket.createMultipartUpload(fileKey(this.tenantId, this.fileId), { customMetadata: { ...this.meta }, httpMetadata: { contentType: "application/jsonl" } });
    const body = new TextEncoder().encode(this.buffer.join(""));
    this.parts.push(await this.upload.uploadPart(this.parts.length + 1, body));
    this.total += body.byteLength;
    this.buffer = [];
    this.bufferBytes = 0;
  }
}

function utf8Length(s: string): number {
  let n = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    n += c < 0x80 ? 1 : c < 0x800 ? 2 : c >= 0xd800 && c <= 0xdbff ? (i++, 4) : 3;
  }
  return n;
}

export async function headFile(bucket: R2Bucket, tenantId: string, fileId: string): Promise<FileObject | null> {
  const head = await bucket.head(fileKey(tenantId, fileId));
  return head ? fileObject(fileId, head.size, head.customMetadata as unknown as FileMeta) : null;
}

/** The file's object and body, or null. */
export async function getFile(bucket: R2Bucket, tenantId: string, fileId: string): Promise<{ file: FileObject; body: R2ObjectBody } | null> {
  const got = await bucket.get(fileKey(tenantId, fileId));
  return got ? { file: fileObject(fileId, got.size, got.customMetadata as unknown as FileMeta), body: got } : null;
}

function fileObject(id: string, bytes: number, meta: FileMeta | undefined): FileObject {
  return {
    id,
    object: "file",
    bytes,
    created_at: seconds(Number(meta?.created_at ?? 0)),
    filename: meta?.filename ?? "",
    purpose: meta?.purpose === "batch_output" ? "batch_output" : "batch",
    status: "processed",
    expires_at: null,
    status_details: null,
  };
}

// The tenant's batches, newest first: a key per batch whose name sorts by
// creation time backwards, so R2's lexical listing is the API's order.
const INDEX_SPAN = 1e13;
const indexPrefix = (tenantId: string) => `batches/${tenantId}/`;
/** `createdAt` in Unix seconds, as the batch object says it (so a cursor's key can be made again from it). */
export const indexKey = (tenantId: string, batchId: string, createdAt: number) =>
  `${indexPrefix(tenantId)}${String(INDEX_SPAN - createdAt).padStart(14, "0")}-${batchId}`;

export async function indexBatch(bucket: R2Bucket, tenantId: string, batchId: string, createdAt: number): Promise<void> {
  await bucket.put(indexKey(tenantId, batchId, createdAt), "");
}

/** Up to `limit` batch ids after the given index key, and whether more follow. */
export async function listBatchIds(bucket: R2Bucket, tenantId: string, limit: number, startAfter: string | undefined): Promise<{ ids: string[]; more: boolean }> {
  const listed = await bucket.list({ prefix: indexPrefix(tenantId), limit, ...(startAfter ? { startAfter } : {}) });
  return { ids: listed.objects.map((o) => o.key.slice(o.key.lastIndexOf("-") + 1)), more: listed.truncated };
}
