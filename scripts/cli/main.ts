// The CLI's entry: parse the command line, run the command, report failure as
// one line on stderr and an exit code. No prompts, ever: it runs in CI.
import { AdminClient } from "../../harness/admin-client";
import { parseCommandLine } from "./args";
import { UsageError, type Command, type Context, type Output } from "./command";
import { COMMANDS } from "./commands";
import { failureOf } from "./failure";
import { helpText } from "./help";

type Env = Readonly<Record<string, string | undefined>>;

/** Runs one command line; resolves to the process exit code. */
export async function main(argv: readonly string[], env: Env, out: Output, commands: readonly Command[] = COMMANDS): Promise<number> {
  let connection: Connection | undefined;
  try {
    const parsed = parseCommandLine(argv, commands);
    if (parsed.kind === "help") {
      out.print(helpText(parsed.topic, commands));
      return 0;
    }
    const { args, options } = parsed;
    const admin = () => (connection ??= connect(options, env)).client;
    await parsed.command.run({ args, options, json: options.json === true, admin, out });
    return 0;
  } catch (err) {
    const failure = failureOf(err, connection?.url);
    out.note(`meridian: ${failure.lines[0]}`);
    for (const line of failure.lines.slice(1)) out.note(line);
    return failure.exitCode;
  }
}

interface Connection {
  url: string;
  client: AdminClient;
}

/** The router and token from `--url` / `--token`, else the environment. */
function connect(options: Context["options"], env: Env): Connection {
  const url = setting(options.url, env.MERIDIAN_URL, "router URL", "MERIDIAN_URL", "--url");
  if (!/^https?:\/\/[^/]/.test(url)) throw new UsageError(`the router URL must start with http:// or https://, got '${url}'`);
  const token = setting(options.token, env.MERIDIAN_ADMIN_TOKEN, "admin token", "MERIDIAN_ADMIN_TOKEN", "--token");
  return { url, client: new AdminClient(url, token) };
}

function setting(flag: string | boolean | undefined, fromEnv: string | undefined, what: string, variable: string, option: string): string {
  const value = typeof flag === "string" ? flag : fromEnv;
  if (!value) throw new UsageError(`no ${what}: set ${variable} or pass ${option}`);
  return value;
}
