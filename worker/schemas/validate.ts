import * as z from "zod/mini";
import { en } from "zod/locales";
import { badRequest } from "../http/errors";

// zod/mini ships without messages; English ones make 400s say what is wrong.
z.config(en());

/** At most this many field errors are listed in one 400. */
const MAX_FIELD_ERRORS = 20;

/**
 * Parses `value` or throws a 400 whose message names the first offending
 * field and whose `errors` list every one (up to 20), each with its path.
 */
export function parseOrThrow<S extends z.ZodMiniType>(schema: S, value: unknown, what = "body"): z.output<S> {
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  const issues = result.error.issues;
  const path = formatPath(issues[0]!.path);
  const where = path ? `${what}.${path}` : what;
  const error = badRequest(`Invalid ${where}: ${issues[0]!.message}`, "invalid_value", path || null!);
  error.extra.errors = issues.slice(0, MAX_FIELD_ERRORS).map((i) => ({ path: formatPath(i.path), message: i.message }));
  throw error;
}

function formatPath(path: PropertyKey[]): string {
  let out = "";
  for (const part of path) {
    if (typeof part === "number") out += `[${part}]`;
    else out += out ? `.${String(part)}` : String(part);
  }
  return out;
}
