import { describe, expect, it } from "vitest";
import { parseCommandLine, usageLine } from "./args";
import { UsageError, type Command } from "./command";

const noop = async () => {};
const COMMANDS: Command[] = [
  { words: ["rules", "push"], args: ["tenant", "file"], options: { note: { type: "string", value: "text", help: "" }, "dry-run": { type: "boolean", help: "" } }, summary: "", run: noop },
  { words: ["rules", "get"], args: ["tenant"], summary: "", run: noop },
  { words: ["credits", "add"], args: ["tenant", "usd"], summary: "", run: noop },
  { words: ["audit"], args: ["tenant", "extra?"], summary: "", run: noop },
];

const run = (argv: string[]) => {
  const parsed = parseCommandLine(argv, COMMANDS);
  if (parsed.kind !== "run") throw new Error(`expected a command, got help for ${parsed.topic.join(" ")}`);
  return parsed;
};
const usageError = (argv: string[]) => {
  try {
    parseCommandLine(argv, COMMANDS);
  } catch (err) {
    expect(err).toBeInstanceOf(UsageError);
    return (err as UsageError).message;
  }
  throw new Error("expected a usage error");
};

describe("parseCommandLine", () => {
  it("finds two-word and one-word commands and names their arguments", () => {
    const push = run(["rules", "push", "acme", "rules.yaml", "--note", "why", "--dry-run", "--json"]);
    expect(push.command.words).toEqual(["rules", "push"]);
    expect(push.args).toEqual({ tenant: "acme", file: "rules.yaml" });
    expect(push.options).toMatchObject({ note: "why", "dry-run": true, json: true });

    const audit = run(["audit", "acme", "--url", "http://x"]);
    expect(audit.args).toEqual({ tenant: "acme" });
    expect(audit.options.url).toBe("http://x");
  });

  it("takes options before arguments and - as a positional (stdin)", () => {
    expect(run(["rules", "push", "--note=n", "acme", "-"]).args).toEqual({ tenant: "acme", file: "-" });
  });

  it("answers help for no words, help, --help, a bare group, and a command's --help", () => {
    expect(parseCommandLine([], COMMANDS)).toEqual({ kind: "help", topic: [] });
    expect(parseCommandLine(["help", "rules"], COMMANDS)).toEqual({ kind: "help", topic: ["rules"] });
    expect(parseCommandLine(["--help"], COMMANDS)).toEqual({ kind: "help", topic: [] });
    expect(parseCommandLine(["rules"], COMMANDS)).toEqual({ kind: "help", topic: ["rules"] });
    expect(parseCommandLine(["rules", "push", "--help"], COMMANDS)).toEqual({ kind: "help", topic: ["rules", "push"] });
    expect(parseCommandLine(["audit", "-h"], COMMANDS)).toEqual({ kind: "help", topic: ["audit"] });
  });

  it("refuses unknown commands, unknown options, and missing or extra arguments", () => {
    expect(usageError(["deploy"])).toBe("unknown command 'deploy' (see: meridian help)");
    expect(usageError(["rules", "pull"])).toBe("unknown command 'rules pull'; 'rules' has: push, get");
    expect(usageError(["rules", "push", "acme", "f.json", "--force"])).toBe("Unknown option '--force' (see: meridian rules push --help)");
    expect(usageError(["rules", "push", "acme"])).toBe("missing <file>; usage: meridian rules push <tenant> <file> [--note <text>] [--dry-run]");
    expect(usageError(["rules", "get", "acme", "more"])).toMatch(/^unexpected argument 'more'/);
    expect(usageError(["rules", "push", "acme", "f.json", "--note"])).toMatch(/--note/);
  });

  it("explains that a negative number goes after --, and accepts it there", () => {
    expect(usageError(["credits", "add", "acme", "-5"])).toBe("a negative number looks like an option: put it after --, as in 'meridian credits add … -- -5'");
    expect(run(["credits", "add", "acme", "--", "-5"]).args).toEqual({ tenant: "acme", usd: "-5" });
  });

  it("marks optional arguments in the usage line", () => {
    expect(usageLine(COMMANDS[3]!)).toBe("meridian audit <tenant> [<extra>]");
    expect(run(["audit", "acme", "x"]).args).toEqual({ tenant: "acme", extra: "x" });
  });
});
