// `meridian rules …`: validate, push, read, diff and roll back a tenant's
// routing rules. Writes carry If-Match, so two pipelines pushing at once get
// a 412 instead of one silently undoing the other.
import { stringify as toYaml } from "yaml";
import { AdminApiError } from "../../../harness/admin-client";
import type { RulesDocument, RulesVersion } from "../../../worker/schemas/rules";
import { rulesDocument } from "../../../worker/rules/document";
import { CliError, emit, intOption, printJson, stringOption, UsageError, type Command, type Context } from "../command";
import { diff, renderDiff, type Change } from "../diff";
import { named, readDocument, validated } from "../documents";
import { table, when } from "../format";

type Rules = RulesVersion & { object: "rules" };

const rulesPath = (tenant: string) => `/tenants/${encodeURIComponent(tenant)}/rules`;

const currentRules = (ctx: Context, tenant: string) => ctx.admin().call<Rules>("GET", rulesPath(tenant));

async function rulesVersion(ctx: Context, tenant: string, version: number): Promise<RulesVersion> {
  const page = await ctx.admin().call<{ data: RulesVersion[] }>("GET", `${rulesPath(tenant)}/history?before=${version + 1}&limit=1`);
  const found = page.data[0];
  if (found?.version !== version) throw new CliError(`tenant ${tenant} has no rules version ${version}`);
  return found;
}

/** `--if-match` (or its alias `--expect-version`), if given. */
function expectedVersion(ctx: Context): number | undefined {
  const ifMatch = intOption(ctx, "if-match");
  const expect = intOption(ctx, "expect-version");
  if (ifMatch !== undefined && expect !== undefined && ifMatch !== expect) throw new UsageError("--if-match and --expect-version disagree");
  return ifMatch ?? expect;
}

/** A write with If-Match; a 412 becomes a message that says what to do. */
async function writeRules(ctx: Context, method: string, path: string, body: unknown, ifMatch: number, headers: Record<string, string> = {}): Promise<Rules> {
  try {
    const res = await ctx.admin().send<Rules>(method, path, body, { "if-match": `"${ifMatch}"`, ...headers });
    return res.body;
  } catch (err) {
    if (!(err instanceof AdminApiError) || err.status !== 412) throw err;
    const tenant = ctx.args.tenant!;
    throw new CliError(
      `version conflict (412): the rules of ${tenant} are at version ${String(err.error.current_version ?? "?")}, not ${ifMatch}; ` +
        `someone changed them meanwhile. Review with 'meridian rules get ${tenant}' and retry.`,
    );
  }
}

/** The change note travels in a header, so it must be plain ASCII. */
function changeNote(ctx: Context): Record<string, string> {
  const note = stringOption(ctx, "note");
  if (note === undefined) return {};
  if (!/^[\x20-\x7e]{1,500}$/.test(note)) throw new UsageError("--note must be 1-500 printable ASCII characters (it is sent in a header)");
  return { "x-meridian-change-note": note };
}

const diffBody = (tenant: string, version: number, changes: Change[]) => ({ object: "rules_diff", tenant_id: tenant, version, changes });

const versionOptions = {
  "if-match": { type: "string", value: "version", help: "write only if this is still the current version (default: the version read just before)" },
  "expect-version": { type: "string", value: "version", help: "the same as --if-match" },
  note: { type: "string", value: "text", help: "why: kept with the new version" },
} as const;

const validate: Command = {
  words: ["rules", "validate"],
  args: ["file"],
  summary: "check a rules file against the schema, offline (no URL or token needed)",
  async run(ctx) {
    const file = ctx.args.file!;
    const rules = validated(rulesDocument, readDocument(file), file, "rules");
    emit(ctx, { object: "rules_validation", valid: true, rules }, () => `${named(file)} is a valid rules document`);
  },
};

const push: Command = {
  words: ["rules", "push"],
  args: ["tenant", "file"],
  options: { ...versionOptions, "dry-run": { type: "boolean", help: "validate and show what would change; push nothing" } },
  summary: "validate a rules file (JSON or YAML) and push it as the tenant's next version",
  details:
    "The file is checked locally first; an invalid one is reported field by field and nothing is sent.\n" +
    "The push carries If-Match with the version read just before (or --if-match), so a concurrent\n" +
    "change makes it fail with 412 instead of being overwritten. A file identical to the current\n" +
    "version pushes nothing. Use - as the file to read stdin.",
  async run(ctx) {
    const { tenant, file } = ctx.args as { tenant: string; file: string };
    const rules: RulesDocument = validated(rulesDocument, readDocument(file), file, "rules");
    const headers = changeNote(ctx);
    const expected = expectedVersion(ctx);
    const now = await currentRules(ctx, tenant);
    const changes = diff(now.rules, rules);
    if (ctx.options["dry-run"]) {
      emit(ctx, diffBody(tenant, now.version, changes), () => `${named(file)} is valid; against version ${now.version} of ${tenant}:\n${renderDiff(changes)}`);
      return;
    }
    const ifMatch = expected ?? now.version;
    if (changes.length === 0 && ifMatch === now.version) {
      emit(ctx, now, () => `${tenant}: unchanged, ${named(file)} is already version ${now.version}; nothing pushed`);
      return;
    }
    const written = await writeRules(ctx, "PUT", rulesPath(tenant), rules, ifMatch, headers);
    emit(ctx, written, () => `${tenant}: pushed ${named(file)} as version ${written.version} (was ${now.version})\n${renderDiff(changes)}`);
  },
};

const get: Command = {
  words: ["rules", "get"],
  args: ["tenant"],
  options: {
    version: { type: "string", value: "n", help: "an earlier version instead of the current one" },
    yaml: { type: "boolean", help: "print the document as YAML instead of JSON" },
  },
  summary: "print a tenant's rules document, ready to edit and push again (version details on stderr)",
  async run(ctx) {
    const tenant = ctx.args.tenant!;
    const version = intOption(ctx, "version");
    const rules = version === undefined ? await currentRules(ctx, tenant) : await rulesVersion(ctx, tenant, version);
    if (ctx.json) {
      printJson(ctx, rules);
      return;
    }
    ctx.out.note(`${tenant}: rules version ${rules.version}, by ${rules.author} at ${when(rules.created_at)}${rules.note ? ` (${rules.note})` : ""}`);
    ctx.out.print(ctx.options.yaml ? toYaml(rules.rules).trimEnd() : JSON.stringify(rules.rules, null, 2));
  },
};

const history: Command = {
  words: ["rules", "history"],
  args: ["tenant"],
  options: { limit: { type: "string", value: "n", help: "how many versions (default 50, at most 200)" } },
  summary: "list a tenant's rules versions, newest (current) first",
  async run(ctx) {
    const tenant = ctx.args.tenant!;
    const limit = intOption(ctx, "limit") ?? 50;
    const page = await ctx.admin().call<{ data: RulesVersion[] }>("GET", `${rulesPath(tenant)}/history?limit=${limit}`);
    emit(ctx, page, () =>
      table(page.data, [
        { title: "VERSION", value: (v) => String(v.version), align: "right" },
        { title: "CREATED", value: (v) => when(v.created_at) },
        { title: "AUTHOR", value: (v) => v.author },
        { title: "NOTE", value: (v) => [v.rolled_back_to !== undefined ? `rollback to ${v.rolled_back_to}` : "", v.note ?? ""].filter(Boolean).join("; ") },
      ]),
    );
  },
};

const rollback: Command = {
  words: ["rules", "rollback"],
  args: ["tenant", "version"],
  options: versionOptions,
  summary: "make an earlier version current again (written as a new version)",
  async run(ctx) {
    const tenant = ctx.args.tenant!;
    if (!/^\d{1,15}$/.test(ctx.args.version!)) throw new UsageError(`<version> must be a non-negative integer, got '${ctx.args.version}'`);
    const target = Number(ctx.args.version);
    const note = stringOption(ctx, "note");
    const ifMatch = expectedVersion(ctx) ?? (await currentRules(ctx, tenant)).version;
    const written = await writeRules(ctx, "POST", `${rulesPath(tenant)}/rollback`, { version: target, ...(note ? { note } : {}) }, ifMatch);
    emit(ctx, written, () => `${tenant}: rolled back to version ${target}, now in force as version ${written.version}`);
  },
};

const diffCommand: Command = {
  words: ["rules", "diff"],
  args: ["tenant", "file"],
  summary: "show what pushing a file would change in the tenant's current rules",
  async run(ctx) {
    const { tenant, file } = ctx.args as { tenant: string; file: string };
    const rules = validated(rulesDocument, readDocument(file), file, "rules");
    const now = await currentRules(ctx, tenant);
    const changes = diff(now.rules, rules);
    emit(ctx, diffBody(tenant, now.version, changes), () => `version ${now.version} of ${tenant} -> ${named(file)}:\n${renderDiff(changes)}`);
  },
};

export const RULES_COMMANDS: readonly Command[] = [validate, push, diffCommand, get, history, rollback];
