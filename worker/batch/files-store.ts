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
