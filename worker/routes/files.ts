// `POST /v1/files`, `GET /v1/files/:id`, `GET /v1/files/:id/content`: the
// Batch API's files, kept in R2 under the tenant's own prefix. An upload is
// checked line by line before it is stored (worker/batch/jsonl.ts).
import type { Context } from "hono";
import type { AppEnv } from "../app-env";
import { getFile, headFile, putFile } from "../batch/files-store";
import { isFileId, newFileId } from "../batch/ids";
import { parseBatchFile, printable } from "../batch/jsonl";
import { ApiError, badRequest, notFound } from "../http/errors";

/** Multipart framing around the file: the form's other fields and boundaries. */
const FORM_OVERHEAD = 64 * 1024;

export const maxFileBytes = (env: Env): number => positive(env.BATCH_MAX_FILE_BYTES, 20 * 1024 * 1024);
export const maxLines = (env: Env): number => positive(env.BATCH_MAX_LINES, 50_000);

function positive(value: string | undefined, fallback: number): number {
  const n = Number(value);
  return Number.isSafeInteger(n) && n > 0 ? n : fallback;
}

const tooLarge = (limit: number) => new ApiError(413, `The file is larger than ${limit} bytes.`, "invalid_request_error", "file_too_large", { param: "file" });

export async function uploadFile(c: Context<AppEnv>): Promise<Response> {
  const limit = maxFileBytes(c.env);
  const type = c.req.header("content-type") ?? "";
  if (!type.toLowerCase().startsWith("multipart/form-data")) throw badRequest("Send the file as multipart/form-data with fields `file` and `purpose`.", "invalid_content_type");
  const length = Number(c.req.header("content-length"));
  if (Number.isFinite(length) && length > limit + FORM_OVERHEAD) throw tooLarge(limit);
  let form: FormData;
  try {
    form = await c.req.raw.formData();
  } catch {
    throw badRequest("The body is not a readable multipart form.", "invalid_multipart");
  }
  const purpose = form.get("purpose");
  if (purpose !== "batch") throw badRequest(`purpose must be 'batch'${typeof purpose === "string" ? `, got '${printable(purpose)}'` : ""}.`, "invalid_purpose", "purpose");
  const file = form.get("file");
  if (file === null || typeof file === "string") throw badRequest("The form has no `file`.", "missing_file", "file");
  if (file.size > limit) throw tooLarge(limit);
  let text: string;
  try {
    text = new TextDecoder("utf-8", { fatal: true, ignoreBOM: false }).decode(await file.arrayBuffer());
  } catch {
    throw badRequest("The file is not valid UTF-8.", "invalid_file", "file");
  }
  const parsed = parseBatchFile(text, maxLines(c.env));
  if (!parsed.ok) throw badRequest(`Line ${parsed.line}: ${parsed.message}`, "invalid_file", "file");
  const filename = printable(file.name || "batch.jsonl").slice(0, 256);
  const stored = await putFile(c.env.BATCH_FILES, c.get("caller").tenant.id, newFileId(), filename, "batch", text, Date.now());
  return c.json(stored);
}

export async function retrieveFile(c: Context<AppEnv>): Promise<Response> {
  const id = c.req.param("id") ?? "";
  const file = isFileId(id) ? await headFile(c.env.BATCH_FILES, c.get("caller").tenant.id, id) : null;
  if (!file) throw noSuchFile(id);
  return c.json(file);
}

export async function fileContent(c: Context<AppEnv>): Promise<Response> {
  const id = c.req.param("id") ?? "";
  const got = isFileId(id) ? await getFile(c.env.BATCH_FILES, c.get("caller").tenant.id, id) : null;
  if (!got) throw noSuchFile(id);
  return new Response(got.body.body, { headers: { "content-type": "application/jsonl", "content-length": String(got.file.bytes) } });
}

const noSuchFile = (id: string) => notFound(`No such File object: ${printable(id)}.`, "file_not_found");
