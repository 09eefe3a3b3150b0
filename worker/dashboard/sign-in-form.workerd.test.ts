import { describe, expect, it } from "vitest";
import { ApiError } from "../http/errors";
import { SIGN_IN_BODY_LIMIT, formToken } from "./sign-in-form";

const FORM = "application/x-www-form-urlencoded";
const post = (body: BodyInit | null, type: string | null = FORM) =>
  new Request("http://x/admin/dashboard/sign-in", { method: "POST", body, headers: type ? { "content-type": type } : {} });

/** A body without Content-Length, so only the streaming count can stop it. */
const streamed = (bytes: Uint8Array) =>
  new ReadableStream<Uint8Array>({
    start(controller) {
      for (let i = 0; i < bytes.length; i += 1000) controller.enqueue(bytes.slice(i, i + 1000));
      controller.close();
    },
  });

describe("sign-in form", () => {
  it("reads the token field of a urlencoded body, with or without a charset", async () => {
    expect(await formToken(post("token=abc%2Bdef&x=1"))).toBe("abc+def");
    expect(await formToken(post("token=abc", `${FORM}; charset=UTF-8`))).toBe("abc");
    expect(await formToken(post("token=first&token=second"))).toBe("first");
  });

  it("gives null, never an exception, for other types, no body or no field", async () => {
    expect(await formToken(post('{"token":"abc"}', "application/json"))).toBeNull();
    expect(await formToken(post("token=abc", "text/plain"))).toBeNull();
    expect(await formToken(post("token=abc", null))).toBeNull();
    expect(await formToken(post(null))).toBeNull();
    expect(await formToken(post("other=1"))).toBeNull();
  });

  it("turns bad escapes and bad UTF-8 into text that matches no token", async () => {
    expect(await formToken(post("token=%zz%"))).toBe("%zz%");
    expect(await formToken(post(new Uint8Array([0x74, 0x6f, 0x6b, 0x65, 0x6e, 0x3d, 0xff, 0xfe])))).toBe("\ufffd\ufffd");
  });

  it("refuses a body over the limit while reading it, declared or not", async () => {
    const big = new TextEncoder().encode(`token=${"a".repeat(SIGN_IN_BODY_LIMIT)}`);
    for (const body of [big, streamed(big)]) {
      const error = await formToken(post(body)).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(ApiError);
      expect((error as ApiError).status).toBe(413);
    }
  });
});
