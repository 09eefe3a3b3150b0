// OpenAPI pieces for the Batch API (docs/batch.md): its objects' shapes
// (worker/batch/shapes.ts), the upload form and the create body.
import { BATCH_ENDPOINTS } from "../batch/jsonl";

type Json = Record<string, unknown>;

const seconds = (description: string, nullable = true): Json => ({ type: nullable ? ["integer", "null"] : "integer", description: `Unix seconds. ${description}` });

export const batchComponents: Record<string, Json> = {
  BatchFile: {
    type: "object",
    required: ["id", "object", "bytes", "created_at", "filename", "purpose", "status"],
    properties: {
      id: { type: "string", pattern: "^file-[0-9a-f]{32}$" },
      object: { const: "file" },
      bytes: { type: "integer" },
      created_at: seconds("", false),
      filename: { type: "string" },
      purpose: { enum: ["batch", "batch_output"], description: "`batch`: an uploaded input file; `batch_output`: a batch's output or error file." },
      status: { const: "processed" },
      expires_at: { type: "null" },
      status_details: { type: "null" },
    },
  },
  Batch: {
    type: "object",
    required: ["id", "object", "endpoint", "input_file_id", "completion_window", "status", "created_at", "expires_at", "request_counts"],
    properties: {
      id: { type: "string", pattern: "^batch_[0-9a-f]{32}$" },
      object: { const: "batch" },
      endpoint: { enum: [...BATCH_ENDPOINTS] },
      errors: { type: ["object", "null"] },
      input_file_id: { type: "string" },
      completion_window: { const: "24h" },
      status: { enum: ["validating", "failed", "in_progress", "finalizing", "completed", "expired", "cancelling", "cancelled"] },
      output_file_id: { type: ["string", "null"], description: "JSONL: one line per request answered with a 2xx, `{id, custom_id, response: {status_code, request_id, body}, error: null}`." },
      error_file_id: { type: ["string", "null"], description: "JSONL: requests answered with an error status (`response` set) or never answered (`response: null`, `error: {code: batch_expired | batch_cancelled | request_failed, message}`)." },
      created_at: seconds("", false),
      in_progress_at: seconds(""),
      expires_at: seconds("", false),
      finalizing_at: seconds(""),
      completed_at: seconds(""),
      failed_at: seconds(""),
      expired_at: seconds(""),
      cancelling_at: seconds(""),
      cancelled_at: seconds(""),
      request_counts: { type: "object", required: ["total", "completed", "failed"], properties: { total: { type: "integer" }, completed: { type: "integer" }, failed: { type: "integer" } } },
      metadata: { type: ["object", "null"], additionalProperties: { type: "string", maxLength: 512 }, maxProperties: 16 },
      meridian: { type: "object", description: "`{paused}`: why dispatch is waiting (every origin busy with interactive traffic, ...), or null." },
    },
  },
};

/** `POST /v1/files`: multipart/form-data. */
export const fileUploadForm: Json = {
  type: "object",
  required: ["file", "purpose"],
  properties: {
    file: { type: "string", format: "binary", description: "JSONL, one request a line: `{custom_id, method: \"POST\", url, body}`; custom_id unique, without control characters; at most BATCH_MAX_FILE_BYTES (20 MiB) and BATCH_MAX_LINES (50,000)." },
    purpose: { const: "batch" },
  },
};

/** `POST /v1/batches`. */
export const batchCreateBody: Json = {
  type: "object",
  required: ["input_file_id", "endpoint", "completion_window"],
  properties: {
    input_file_id: { type: "string" },
    endpoint: { enum: [...BATCH_ENDPOINTS] },
    completion_window: { const: "24h" },
    metadata: { type: ["object", "null"], additionalProperties: { type: "string", maxLength: 512 }, maxProperties: 16 },
  },
};
