import { describe, expect, it } from "vitest";
import { ApiError } from "../http/errors";
import { withoutOriginState } from "./responses-state";

const refusal = (body: Record<string, unknown>) => {
  try {
    withoutOriginState({ model: "m", input: "hi", ...body });
  } catch (err) {
    return err as ApiError;
  }
  return null;
};

describe("Responses API state on shared origins", () => {
  it("refuses previous_response_id, conversation, background and store: true with a 400 naming the field", () => {
    for (const [field, value] of [["previous_response_id", "resp_123"], ["conversation", "conv_1"], ["background", true], ["store", true]] as const) {
      const err = refusal({ [field]: value });
      expect(err, field).toBeInstanceOf(ApiError);
      expect([err!.status, err!.code, err!.extra.param]).toEqual([400, "unsupported_parameter", field]);
    }
  });

  it("asks origins to store nothing, whatever the client left unsaid", () => {
    expect(withoutOriginState({ model: "m", input: "hi" })).toEqual({ model: "m", input: "hi", store: false });
    expect(withoutOriginState({ model: "m", input: "hi", store: false, background: false, previous_response_id: null })).toMatchObject({ store: false });
  });
});
