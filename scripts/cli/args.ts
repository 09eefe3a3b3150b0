// Finds the command a command line names and parses its arguments (node:util
// parseArgs, strict: an unknown or misspelt option is an error, not ignored).
import { parseArgs } from "node:util";
import { UsageError, type Command, type OptionSpec } from "./command";

/** Options every command takes. */
export const GLOBAL_OPTIONS: Readonly<Record<string, OptionSpec>> = {
  url: { type: "string", value: "url", help: "router base URL (default: $MERIDIAN_URL)" },
  token: { type: "string", value: "token", help: "admin token (default: $MERIDIAN_ADMIN_TOKEN)" },
  json: { type: "boolean", help: "print the API's JSON instead of tables" },
  help: { type: "boolean", short: "h", help: "show help" },
};

export type Parsed =
  | { kind: "help"; topic: readonly string[] }
  | { kind: "run"; command: Command; args: Record<string, string>; options: Record<string, string | boolean | undefined> };

const isHelp = (word: string | undefined) => word === undefined || word === "help" || word === "--help" || word === "-h";

export function parseCommandLine(argv: readonly string[], commands: readonly Command[]): Parsed {
  if (isHelp(argv[0])) return { kind: "help", topic: argv.slice(1).filter((w) => !w.startsWith("-")) };
  const group = argv[0]!;
  const inGroup = commands.filter((c) => c.words[0] === group);
  if (inGroup.length === 0) throw new UsageError(`unknown command '${group}' (see: meridian help)`);

  let command = inGroup.find((c) => c.words.length === 1);
  let rest = argv.slice(1);
  if (!command) {
    const action = argv[1];
    if (isHelp(action) || action!.startsWith("-")) return { kind: "help", topic: [group] };
    command = inGroup.find((c) => c.words[1] === action);
    if (!command) throw new UsageError(`unknown command '${group} ${action}'; '${group}' has: ${inGroup.map((c) => c.words[1]).join(", ")}`);
    rest = argv.slice(2);
  }

  const specs = { ...GLOBAL_OPTIONS, ...command.options };
  let parsed: ReturnType<typeof parseArgs>;
  try {
    parsed = parseArgs({
      args: [...rest],
      options: Object.fromEntries(Object.entries(specs).map(([name, spec]) => [name, { type: spec.type, ...(spec.short ? { short: spec.short } : {}) }])),
      allowPositionals: true,
      strict: true,
    });
  } catch (err) {
    const negative = rest.find((a) => /^-\d/.test(a));
    if (negative) throw new UsageError(`a negative number looks like an option: put it after --, as in 'meridian ${command.words.join(" ")} … -- ${negative}'`);
    // Node's messages run on with advice about '--'; the first sentence is the point.
    const reason = (err as Error).message.split(/\.(?: |$)/)[0];
    throw new UsageError(`${reason} (see: meridian ${command.words.join(" ")} --help)`);
  }
  if (parsed.values.help) return { kind: "help", topic: command.words };
  return { kind: "run", command, args: namedArgs(command, parsed.positionals), options: parsed.values as Record<string, string | boolean | undefined> };
}

function namedArgs(command: Command, positionals: readonly string[]): Record<string, string> {
  const names = command.args.map((a) => a.replace(/\?$/, ""));
  const required = command.args.filter((a) => !a.endsWith("?")).length;
  const usage = `usage: ${usageLine(command)}`;
  if (positionals.length < required) throw new UsageError(`missing <${names[positionals.length]}>; ${usage}`);
  if (positionals.length > names.length) throw new UsageError(`unexpected argument '${positionals[names.length]}'; ${usage}`);
  return Object.fromEntries(positionals.map((value, i) => [names[i]!, value]));
}

/** `meridian rules push <tenant> <file> [--note <text>] …` */
export function usageLine(command: Command): string {
  const args = command.args.map((a) => (a.endsWith("?") ? `[<${a.slice(0, -1)}>]` : `<${a}>`));
  const options = Object.entries(command.options ?? {}).map(([name, spec]) => `[--${name}${spec.type === "string" ? ` <${spec.value ?? "value"}>` : ""}]`);
  return ["meridian", ...command.words, ...args, ...options].join(" ");
}
