// `POST /v1/batches`, `GET /v1/batches[/:id]`, `POST /v1/batches/:id/cancel`:
// OpenAI's Batch API. Each batch is its own Durable Object
// (durable-objects/batch.ts), which holds its lines and sends them; the
// tenant's batches are listed from an index in R2, newest first (and the
// operator's dashboard lists every tenant's from another, batch/recent-index.ts).
import type { Context } from "hono";
import type { AppEnv } from "../app-env";
import { headFile, indexBatch, indexKey, listBatchIds } from "../batch/files-store";
import { isBatchId, isFileId, newBatchId } from "../batch/ids";
import { BATCH_ENDPOINTS, printable, type BatchEndpoint } from "../batch/jsonl";
import { checkMetadata } from "../batch/metadata";
import { indexRecentBatch } from "../batch/recent-index";
import type { BatchObject } from "../batch/shapes";
import { testWindowMs, windowMs } from "../batch/window";
import { readJsonBody } from "../http/body";
import { ApiError, badRequest, notFound } from "../http/errors";
import { batchObject } from "../objects/stubs";
import { own } from "../own";
import { maxLines } from "./files";

export async function createBatch(c: Context<AppEnv>): Promise<Response> {
  const body = await readJsonBody(c.req.raw, c.get("settings").maxBodyBytes);
  if (typeof body !== "object" || body === null || Array.isArray(body)) throw badRequest("The body must be a JSON object.");
  const o = body as Record<string, unknown>;
  const inputFileId = own(o, "input_file_id");
  if (typeof inputFileId !== "string") throw badRequest("input_file_id must be a string.", "invalid_request", "input_file_id");
  const endpoint = own(o, "endpoint");
  if (typeof endpoint !== "string" || !(BATCH_ENDPOINTS as readonly string[]).includes(endpoint)) {
    throw badRequest(`endpoint must be one of ${BATCH_ENDPOINTS.join(", ")}.`, "invalid_endpoint", "endpoint");
  }
  const windowName = own(o, "completion_window");
  const window = windowMs(windowName);
  if (window === null) throw badRequest("completion_window must be '24h'.", "invalid_completion_window", "completion_window");
  const metadata = checkMetadata(own(o, "metadata"));
  if (!metadata.ok) throw badRequest(metadata.message, "invalid_metadata", "metadata");

  const { tenant, keyId } = c.get("caller");
  const file = isFileId(inputFileId) ? await headFile(c.env.BATCH_FILES, tenant.id, inputFileId) : null;
  if (!file || file.purpose !== "batch") throw notFound(`No such File object: ${printable(inputFileId)}.`, "file_not_found");
  const batchId = newBatchId();
  const created = await batchObject(c.env, batchId).create({
    batchId,
    tenantId: tenant.id,
    keyId,
    inputFileId,
    endpoint: endpoint as BatchEndpoint,
    completionWindow: windowName as string,
    windowMs: testWindowMs(c.req.header("x-meridian-test-window-ms"), c.get("settings").devMode) ?? window,
    metadata: metadata.metadata,
    maxLines: maxLines(c.env),
  });
  if (!created.ok) {
    throw new ApiError(created.status, created.message, created.status === 404 ? "not_found_error" : "invalid_request_error", created.code, created.line === null ? {} : { line: created.line });
  }
  await Promise.all([
    indexBatch(c.env.BATCH_FILES, tenant.id, batchId, created.batch.created_at),
    indexRecentBatch(c.env.BATCH_FILES, tenant.id, batchId, created.batch.created_at),
  ]);
  return c.json(created.batch);
}

async function ownBatch(c: Context<AppEnv>): Promise<BatchObject> {
  const id = c.req.param("id") ?? "";
  const batch = isBatchId(id) ? await batchObject(c.env, id).get(c.get("caller").tenant.id) : null;
  if (!batch) throw notFound(`No such Batch object: ${printable(id)}.`, "batch_not_found");
  return batch;
}

export async function retrieveBatch(c: Context<AppEnv>): Promise<Response> {
  return c.json(await ownBatch(c));
}

export async function cancelBatch(c: Context<AppEnv>): Promise<Response> {
  const mine = await ownBatch(c);
  return c.json((await batchObject(c.env, mine.id).cancel(c.get("caller").tenant.id))!);
}

export async function listBatches(c: Context<AppEnv>): Promise<Response> {
  const tenantId = c.get("caller").tenant.id;
  const limitText = c.req.query("limit");
  const limit = limitText === undefined ? 20 : /^\d{1,3}$/.test(limitText) ? Number(limitText) : NaN;
  if (!(limit >= 1 && limit <= 100)) throw badRequest("limit must be a whole number from 1 to 100.", "invalid_limit", "limit");
  const after = c.req.query("after");
  let startAfter: string | undefined;
  if (after !== undefined) {
    const cursor = isBatchId(after) ? await batchObject(c.env, after).get(tenantId) : null;
    if (!cursor) throw badRequest(`after names no batch of yours: '${printable(after)}'.`, "invalid_cursor", "after");
    startAfter = indexKey(tenantId, cursor.id, cursor.created_at);
  }
  const { ids, more } = await listBatchIds(c.env.BATCH_FILES, tenantId, limit, startAfter);
  const data = (await Promise.all(ids.map((id) => batchObject(c.env, id).get(tenantId)))).filter((b): b is NonNullable<typeof b> => b !== null);
  return c.json({ object: "list", data, first_id: data[0]?.id ?? null, last_id: data.at(-1)?.id ?? null, has_more: more });
}
