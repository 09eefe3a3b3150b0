import { badRequest } from "../http/errors";

/**
 * The request body as JSON text without its `model`, serialized once before
 * any attempt: a body that cannot be serialized is the request's fault (a
 * 400), never an attempt's, so it can never count against an origin.
 */
export function serializeBody(body: Record<string, unknown>): string {
  const { model: _model, ...rest } = body;
  let text: string | undefined;
  try {
    text = JSON.stringify(rest);
  } catch {
    text = undefined;
  }
  if (typeof text !== "string") throw badRequest("Request body cannot be serialized as JSON.", "invalid_json");
  return text;
}

/** The serialized body with the model name one origin knows it by. */
export function bodyFor(serialized: string, upstreamModel: string): string {
  const model = `{"model":${JSON.stringify(upstreamModel)}`;
  return serialized === "{}" ? `${model}}` : `${model},${serialized.slice(1)}`;
}
