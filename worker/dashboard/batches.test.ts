import { describe, expect, it } from "vitest";
import type { BatchObject } from "../batch/shapes";
import { batchRows } from "./batches";

const batch = (id: string, over: Partial<BatchObject> = {}): BatchObject => ({
  id, object: "batch", endpoint: "/v1/chat/completions", errors: null, input_file_id: "file-x", completion_window: "24h", status: "in_progress",
  output_file_id: null, error_file_id: null, created_at: 1_800_000_000, in_progress_at: 1_800_000_000, expires_at: 1_800_086_400,
  finalizing_at: null, completed_at: null, failed_at: null, expired_at: null, cancelling_at: null, cancelled_at: null,
  request_counts: { total: 10, completed: 4, failed: 1 }, metadata: null, ...over,
});

describe("batchRows", () => {
  it("keeps the given order and joins each batch to its charges, in USD from nano-dollars", () => {
    const rows = batchRows(
      [{ tenantId: "acme", batch: batch("batch_new") }, { tenantId: "beta", batch: batch("batch_old", { status: "completed", completed_at: 1_800_000_042 }) }],
      [{ batch_id: "batch_old", requests: 10, cost_nanos: 123_456_789 }, { batch_id: "batch_new", requests: 5, cost_nanos: 7 }],
    );
    expect(rows).toEqual([
      { id: "batch_new", tenant: "acme", status: "in_progress", total: 10, completed: 4, failed: 1, created_at: 1_800_000_000, finished_at: null, charged_requests: 5, spend_usd: 7e-9 },
      { id: "batch_old", tenant: "beta", status: "completed", total: 10, completed: 4, failed: 1, created_at: 1_800_000_000, finished_at: 1_800_000_042, charged_requests: 10, spend_usd: 0.123456789 },
    ]);
  });

  it("shows a batch with nothing metered yet at zero, and takes the end time of whichever end it reached", () => {
    const [cancelled, expired] = batchRows(
      [{ tenantId: "t", batch: batch("batch_a", { status: "cancelled", cancelled_at: 5 }) }, { tenantId: "t", batch: batch("batch_b", { status: "expired", expired_at: 9 }) }],
      [{ batch_id: "__proto__", requests: 1, cost_nanos: 1 }],
    );
    expect(cancelled).toMatchObject({ finished_at: 5, charged_requests: 0, spend_usd: 0 });
    expect(expired).toMatchObject({ finished_at: 9, charged_requests: 0, spend_usd: 0 });
  });
});
