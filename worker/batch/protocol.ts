// What the batch routes and a batch's Durable Object say to each other.
import type { BatchEndpoint } from "./jsonl";
import type { BatchObject } from "./shapes";

export interface CreateBatch {
  batchId: string;
  tenantId: string;
  /** The key that created it: its lines are metered under this key. */
  keyId: string;
  inputFileId: string;
  endpoint: BatchEndpoint;
  completionWindow: string;
  windowMs: number;
  metadata: Record<string, string> | null;
  maxLines: number;
}

export type CreateResult = { ok: true; batch: BatchObject } | { ok: false; status: 400 | 404; message: string; code: string; line: number | null };

/** Who a line is sent as, and for which batch (worker/routes/batch-line.ts). */
export interface LineSender {
  tenantId: string;
  keyId: string;
  batchId: string;
  /** The line's place in the input file: with the batch id, the line's request id on every attempt. */
  line: number;
}

export interface LineAnswer {
  status: number;
  requestId: string;
  /** The answer's JSON body, or its text when it was not JSON. */
  body: unknown;
}

/**
 * Sends one line through the request path (worker/routes/batch-line.ts). The
 * entry point hands it to the batch object (`useLineSender`), so the object
 * never imports the pipeline, which names the objects.
 */
export type SendLine = (
  env: Env,
  waitUntil: (p: Promise<unknown>) => void,
  sender: LineSender,
  endpoint: BatchEndpoint,
  body: string,
  origin: string,
) => Promise<LineAnswer>;
