// Help text, generated from the command table so it never drifts from what runs.
import { GLOBAL_OPTIONS, usageLine } from "./args";
import type { Command, OptionSpec } from "./command";

const INTRO = `meridian: the admin CLI of a Meridian router.

Configuration: MERIDIAN_URL (the router's base URL) and MERIDIAN_ADMIN_TOKEN, or --url and --token.
Exit codes: 0 success, 1 failure (the API refused, a file is invalid, the router is unreachable), 2 bad command line.`;

type Options = Readonly<Record<string, OptionSpec>>;

export function helpText(topic: readonly string[], commands: readonly Command[]): string {
  const exact = commands.find((c) => c.words.join(" ") === topic.join(" "));
  if (exact) return commandHelp(exact);
  const group = commands.filter((c) => c.words[0] === topic[0]);
  const listed = group.length ? group : commands;
  const width = Math.max(...listed.map((c) => c.words.join(" ").length));
  const lines = listed.map((c) => `  ${c.words.join(" ").padEnd(width)}  ${c.summary}`);
  const intro = group.length ? `meridian ${topic[0]}: commands` : INTRO;
  return [intro, "", "Commands:", ...lines, "", ...optionSections({}), "", "Run 'meridian <command> --help' for one command's arguments."].join("\n");
}

function commandHelp(command: Command): string {
  const details = command.details ? ["", command.details] : [];
  return [`usage: ${usageLine(command)}`, "", command.summary, ...details, "", ...optionSections(command.options ?? {})].join("\n");
}

/** The command's own options, then the global ones, in one aligned column. */
function optionSections(own: Options): string[] {
  const flag = (name: string, spec: OptionSpec) => `${spec.short ? `-${spec.short}, ` : ""}--${name}${spec.type === "string" ? ` <${spec.value ?? "value"}>` : ""}`;
  const all = { ...own, ...GLOBAL_OPTIONS };
  const width = Math.max(...Object.entries(all).map(([name, spec]) => flag(name, spec).length));
  const lines = (options: Options) => Object.entries(options).map(([name, spec]) => `  ${flag(name, spec).padEnd(width)}  ${spec.help}`);
  const mine = Object.keys(own).length ? ["Options:", ...lines(own), ""] : [];
  return [...mine, "Options for every command:", ...lines(GLOBAL_OPTIONS)];
}
