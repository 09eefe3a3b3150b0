import { ApiError, badRequest } from "./errors";
import { MAX_JSON_DEPTH, nestsDeeperThan } from "./json-depth";
import { readMessageCapped } from "./read-bytes";

/** One decoder for every body: decoding whole bodies (never `stream: true`) leaves no state between calls, a failed one included. */
const strictUtf8 = new TextDecoder("utf-8", { fatal: true, ignoreBOM: false });

const tooLarge = (limit: number) =>
  new ApiError(413, `Request body is larger than the ${limit}-byte limit.`, "invalid_request_error", "request_too_large");

/**
 * Reads a JSON body, enforcing the byte limit while streaming (Content-Length
 * can be absent or lie) and rejecting invalid UTF-8, malformed JSON and JSON
 * nested deeper than `MAX_JSON_DEPTH` with a 400.
 */
export async function readJsonBody(request: Request, limit: number): Promise<unknown> {
  return (await readJson(request, limit)).json;
}

/** Like `readJsonBody`, also telling how many bytes the body had. */
export async function readJson(request: Request, limit: number): Promise<{ json: unknown; bytes: number }> {
  const declared = Number(request.headers.get("content-length"));
  if (declared > limit) throw tooLarge(limit);
  if (!request.body) throw badRequest("Request body is empty: expected a JSON object.", "empty_body");

  const bytes = await readMessageCapped(request, limit);
  if (bytes === null) throw tooLarge(limit);
  const size = bytes.byteLength;
  if (size === 0) throw badRequest("Request body is empty: expected a JSON object.", "empty_body");

  let text: string;
  try {
    text = strictUtf8.decode(bytes);
  } catch {
    throw badRequest("Request body is not valid UTF-8.", "invalid_encoding");
  }
  if (nestsDeeperThan(text, MAX_JSON_DEPTH)) {
    throw badRequest(`Request body nests arrays and objects more than ${MAX_JSON_DEPTH} levels deep.`, "json_too_deep");
  }
  try {
    return { json: JSON.parse(text), bytes: size };
  } catch (err) {
    const detail = err instanceof Error ? err.message : "parse error";
    throw badRequest(`Request body is not valid JSON: ${detail}`, "invalid_json");
  }
}
