// What a CLI command is: its words, arguments, options and what it does.
import type { AdminClient } from "../../harness/admin-client";

export interface OptionSpec {
  type: "string" | "boolean";
  /** Placeholder shown in help for a string option, e.g. `version`. */
  value?: string;
  help: string;
  /** A one-letter alias, e.g. `h` for `--help`. */
  short?: string;
}

export interface Command {
  /** The words that name it: `["rules", "push"]`, or one word (`["audit"]`). */
  words: readonly string[];
  /** Positional arguments in order; a name ending in `?` is optional. */
  args: readonly string[];
  options?: Readonly<Record<string, OptionSpec>>;
  summary: string;
  /** More about it, for `--help`. */
  details?: string;
  run(ctx: Context): Promise<void>;
}

export interface Output {
  /** A line of the command's result (stdout). */
  print(text: string): void;
  /** Progress and notes that must not mix with the result (stderr). */
  note(text: string): void;
}

export interface Context {
  /** Positional arguments by name (optional ones may be missing). */
  args: Readonly<Record<string, string>>;
  options: Readonly<Record<string, string | boolean | undefined>>;
  /** `--json`: print the API's JSON instead of tables. */
  json: boolean;
  /** The admin API client, made on first use, so offline commands need no URL or token. */
  admin(): AdminClient;
  out: Output;
}

/** A failure the user can act on: printed as one line (plus `details`), exit code 1. */
export class CliError extends Error {
  constructor(
    message: string,
    readonly details: readonly string[] = [],
    readonly exitCode = 1,
  ) {
    super(message);
  }
}

/** The command line itself is wrong: exit code 2. */
export class UsageError extends CliError {
  constructor(message: string) {
    super(message, [], 2);
  }
}

/** `--name` as a non-negative integer, or undefined when absent. */
export function intOption(ctx: Context, name: string): number | undefined {
  const raw = ctx.options[name];
  if (raw === undefined) return undefined;
  const n = Number(raw);
  if (typeof raw !== "string" || !/^\d{1,15}$/.test(raw) || !Number.isSafeInteger(n)) throw new UsageError(`--${name} must be a non-negative integer, got '${String(raw)}'`);
  return n;
}

/** `--name` as a string, or undefined when absent. */
export function stringOption(ctx: Context, name: string): string | undefined {
  const raw = ctx.options[name];
  return typeof raw === "string" ? raw : undefined;
}

export const printJson = (ctx: Context, body: unknown) => ctx.out.print(JSON.stringify(body, null, 2));

/** Prints the API's answer as JSON under `--json`, else as `render` makes it readable. */
export function emit(ctx: Context, body: unknown, render: () => string): void {
  if (ctx.json) printJson(ctx, body);
  else ctx.out.print(render());
}
