import { HTTPException } from "hono/http-exception";
import type { ContentfulStatusCode } from "hono/utils/http-status";

/** The error types OpenAI clients already know how to read. */
export type ErrorType =
  | "invalid_request_error"
  | "authentication_error"
  | "permission_error"
  | "not_found_error"
  | "rate_limit_error"
  | "upstream_error"
  | "api_error";

export interface ErrorBody {
  error: { message: string; type: ErrorType; code: string; param?: string | null; [extra: string]: unknown };
}

/** An error that is meant for the client: it carries its status and OpenAI-shaped body. */
export class ApiError extends Error {
  constructor(
    readonly status: ContentfulStatusCode,
    message: string,
    readonly type: ErrorType,
    readonly code: string,
    readonly extra: Record<string, unknown> = {},
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
  }

  body(): ErrorBody {
    return { error: { message: this.message, type: this.type, code: this.code, ...this.extra } };
  }

  toResponse(): Response {
    return Response.json(this.body(), {
      status: this.status,
      headers: this.headers,
    });
  }
}

export const badRequest = (message: string, code = "invalid_request", param?: string) =>
  new ApiError(400, message, "invalid_request_error", code, param === undefined ? {} : { param });

export const notFound = (message: string, code = "not_found") =>
  new ApiError(404, message, "not_found_error", code);

export const unauthorized = (message: string) =>
  new ApiError(401, message, "authentication_error", "invalid_api_key", {}, { "www-authenticate": "Bearer" });

/**
 * Whatever was thrown, as the error the client hears: an ApiError as it is,
 * Hono's HTTP exceptions in the OpenAI shape, and anything else logged
 * (without request bodies or secrets) and reported as a plain 500.
 */
export function asApiError(err: unknown, request: Request): ApiError {
  if (err instanceof ApiError) return err;
  if (err instanceof HTTPException) {
    return new ApiError(err.status as 400, err.message || "Bad request.", err.status >= 500 ? "api_error" : "invalid_request_error", "http_error");
  }
  console.error(`unhandled error on ${request.method} ${new URL(request.url).pathname}:`, err instanceof Error ? err.stack : String(err));
  return new ApiError(500, "Internal error.", "api_error", "internal_error");
}
