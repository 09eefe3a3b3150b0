// The Batch API's objects as OpenAI's clients read them (the `openai` SDK's
// FileObject, Batch and the output/error file lines). Times are Unix seconds.

export type FilePurpose = "batch" | "batch_output";

export interface FileObject {
  id: string;
  object: "file";
  bytes: number;
  created_at: number;
  filename: string;
  purpose: FilePurpose;
  status: "processed";
  expires_at: number | null;
  status_details: null;
}

export type BatchStatus = "validating" | "failed" | "in_progress" | "finalizing" | "completed" | "expired" | "cancelling" | "cancelled";

export interface RequestCounts {
  total: number;
  completed: number;
  failed: number;
}

export interface BatchObject {
  id: string;
  object: "batch";
  endpoint: string;
  errors: null | { object: "list"; data: { code: string; message: string; line: number | null; param: string | null }[] };
  input_file_id: string;
  completion_window: string;
  status: BatchStatus;
  output_file_id: string | null;
  error_file_id: string | null;
  created_at: number;
  in_progress_at: number | null;
  expires_at: number;
  finalizing_at: number | null;
  completed_at: number | null;
  failed_at: number | null;
  expired_at: number | null;
  cancelling_at: number | null;
  cancelled_at: number | null;
  request_counts: RequestCounts;
  metadata: Record<string, string> | null;
}

/** Statuses a batch never leaves. */
export const isFinal = (status: BatchStatus): boolean => status === "completed" || status === "failed" || status === "expired" || status === "cancelled";

export const seconds = (ms: number): number => Math.floor(ms / 1000);

/** One line of an output or error file: an answer (any status) or an error with no answer. */
export interface ResultLine {
  id: string;
  custom_id: string;
  response: { status_code: number; request_id: string; body: unknown } | null;
  error: { code: string; message: string } | null;
}
