import { ApiError } from "../http/errors";
import { readBytesCapped } from "../http/read-bytes";

/** A sign-in form is one short field; anything bigger is not one. */
export const SIGN_IN_BODY_LIMIT = 4096;

/**
 * The `token` field of an `application/x-www-form-urlencoded` body, or null
 * when the body is another type or has none. The size is enforced while reading.
 */
export async function formToken(request: Request): Promise<string | null> {
  const type = request.headers.get("content-type") ?? "";
  if (!/^application\/x-www-form-urlencoded\s*(;|$)/i.test(type) || !request.body) return null;
  if (Number(request.headers.get("content-length")) > SIGN_IN_BODY_LIMIT) throw tooLarge();
  const bytes = await readBytesCapped(request.body, SIGN_IN_BODY_LIMIT);
  if (bytes === null) throw tooLarge();
  // URLSearchParams never throws: bad escapes and bad UTF-8 become U+FFFD, which matches no token.
  return new URLSearchParams(new TextDecoder().decode(bytes)).get("token");
}

const tooLarge = () => new ApiError(413, `A sign-in body is at most ${SIGN_IN_BODY_LIMIT} bytes.`, "invalid_request_error", "request_too_large");
