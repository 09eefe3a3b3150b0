import * as z from "zod/mini";
import { en } from "zod/locales";
import { badRequest } from "../http/errors";

// zod/mini ships without messages; English ones make 400s say what is wrong.
z.config(en());

/** Parses `value` or throws a 400 that names the first offending field. */
export function parseOrThrow<S extends z.ZodMiniType>(schema: S, value: unknown, what = "body"): z.output<S> {
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  const issue = result.error.issues[0]!;
  const path = formatPath(issue.path);
  const where = path ? `${what}.${path}` : what;
  throw badRequest(`Invalid ${where}: ${issue.message}`, "invalid_value", path || null!);
}

function formatPath(path: PropertyKey[]): string {
  let out = "";
  for (const part of path) {
    if (typeof part === "number") out += `[${part}]`;
    else out += out ? `.${String(part)}` : String(part);
  }
  return out;
}
