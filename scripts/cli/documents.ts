// Reads rules and tenant documents from JSON or YAML files and checks them
// with the API's own zod schemas, so a bad file fails here, field by field,
// before anything is sent.
import { readFileSync } from "node:fs";
import { parse as parseYaml } from "yaml";
import type * as z from "zod/mini";
import { ApiError } from "../../worker/http/errors";
import { parseOrThrow } from "../../worker/schemas/validate";
import { CliError } from "./command";

/** How messages name a file: `-` is stdin. */
export const named = (file: string) => (file === "-" ? "stdin" : file);

/** Reads a document: `.json`, `.yaml` or `.yml`; `-` reads stdin. */
export function readDocument(file: string): unknown {
  let text: string;
  try {
    text = readFileSync(file === "-" ? 0 : file, "utf8");
  } catch (err) {
    throw new CliError(`cannot read ${named(file)}: ${(err as Error).message}`);
  }
  return parseDocument(text, file);
}

/** Parses by the file name's extension; stdin is read as YAML, which accepts JSON too. */
export function parseDocument(text: string, file: string): unknown {
  const yaml = /\.ya?ml$/i.test(file) || file === "-";
  if (!yaml && !/\.json$/i.test(file)) throw new CliError(`${file}: use a .json, .yaml or .yml file (or - for stdin)`);
  try {
    return yaml ? parseYaml(text, { prettyErrors: true }) : JSON.parse(text);
  } catch (err) {
    const message = (err as Error).message.split("\n")[0]!.replace(/:$/, "");
    throw new CliError(`${named(file)} is not valid ${yaml ? "YAML" : "JSON"}: ${yaml ? message : withLine(message, text)}`);
  }
}

/** Node 20 says "at position 42"; people look for a line. */
function withLine(message: string, text: string): string {
  const at = /at position (\d+)/.exec(message);
  if (!at || /line \d+/.test(message)) return message;
  const before = text.slice(0, Number(at[1]));
  const line = before.split("\n").length;
  return `${message} (line ${line}, column ${before.length - before.lastIndexOf("\n")})`;
}

/**
 * The document as the API would store it (defaults filled in), or a
 * CliError listing every field error the API would report.
 */
export function validated<S extends z.ZodMiniType>(schema: S, value: unknown, file: string, what: string): z.output<S> {
  try {
    return parseOrThrow(schema, value, what);
  } catch (err) {
    if (!(err instanceof ApiError)) throw err;
    const errors = (err.extra.errors ?? []) as { path: string; message: string }[];
    const plural = errors.length === 1 ? "error" : "errors";
    throw new CliError(
      `${named(file)} is not a valid ${what} document (${errors.length} ${plural}); nothing was sent`,
      errors.map((e) => `  ${e.path || "(document)"}: ${e.message}`),
    );
  }
}
