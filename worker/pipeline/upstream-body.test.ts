import { describe, expect, it } from "vitest";
import { ApiError } from "../http/errors";
import { bodyFor, serializeBody } from "./upstream-body";

describe("upstream body", () => {
  it("puts each origin's model name into the body serialized once", () => {
    const once = serializeBody({ model: "alias", messages: [{ role: "user", content: "hi" }], stream: true });
    expect(JSON.parse(bodyFor(once, "llama-8b"))).toEqual({ model: "llama-8b", messages: [{ role: "user", content: "hi" }], stream: true });
    expect(JSON.parse(bodyFor(serializeBody({ model: "x" }), 'q"uote'))).toEqual({ model: 'q"uote' });
  });

  it("turns a body that cannot be serialized into a 400, not an attempt's error", () => {
    const cyclic: Record<string, unknown> = {};
    cyclic.self = cyclic;
    const err = (() => {
      try {
        serializeBody({ model: "m", cyclic });
      } catch (e) {
        return e;
      }
    })();
    expect(err).toBeInstanceOf(ApiError);
    expect((err as ApiError).status).toBe(400);
  });
});
