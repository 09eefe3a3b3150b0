import { describe, expect, it } from "vitest";
import { usageRecordProblem } from "./usage-record-check";

const record = (more: Record<string, unknown> = {}) => ({
  id: "u1", request_id: "req_1", key_id: "key_1", model: "m", origin: "o", region: "weur", input_tokens: 10, output_tokens: 5,
  cache: "miss", stream: false, at: 1_800_000_000_000, list_price: null, ...more,
});

describe("usageRecordProblem: batch lines", () => {
  it("takes a batch line with its batch id, and a record that is no batch line", () => {
    expect(usageRecordProblem(record())).toBeNull();
    expect(usageRecordProblem(record({ batch: true, batch_id: `batch_${"0".repeat(32)}` }))).toBeNull();
    expect(usageRecordProblem(record({ batch: true }))).toBeNull();
  });

  it("sets aside a batch id without the batch flag, or one that is not a short string", () => {
    for (const batch_id of ["batch_x", "", "x".repeat(129), 7, null, NaN, { toString: () => "batch_x" }]) {
      const more = typeof batch_id === "string" && batch_id === "batch_x" ? { batch_id } : { batch: true, batch_id };
      expect(usageRecordProblem(record(more)), String(batch_id)).toBe("batch_id");
    }
  });
});
