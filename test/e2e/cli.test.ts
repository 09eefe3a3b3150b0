// The `meridian` admin CLI as operators and CI run it: a child process,
// configured from the environment, against the real `npm run dev` router.
import { spawn } from "node:child_process";
import { writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { beforeAll, describe, expect, inject, it } from "vitest";

const dev = inject("dev");
const ROOT = fileURLToPath(new URL("../..", import.meta.url));
const EXAMPLES = join(ROOT, "examples");

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs the CLI the way `npm run admin` does (tsx), or through the package's bin; optionally feeds stdin. */
function meridian(args: string[], options: { env?: Record<string, string>; input?: string; bin?: boolean } = {}): Promise<Run> {
  const entry = options.bin ? ["bin/meridian.mjs"] : ["--import", "tsx", "scripts/meridian.ts"];
  const child = spawn(process.execPath, [...entry, ...args], {
    cwd: ROOT,
    env: { ...process.env, MERIDIAN_URL: dev.url, MERIDIAN_ADMIN_TOKEN: dev.adminToken, ...options.env },
  });
  let stdout = "";
  let stderr = "";
  child.stdout.on("data", (d: Buffer) => (stdout += d.toString()));
  child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
  child.stdin.end(options.input ?? "");
  return new Promise((resolve) => child.on("close", (code) => resolve({ code, stdout, stderr })));
}

async function ok(args: string[], options?: Parameters<typeof meridian>[1]): Promise<string> {
  const run = await meridian(args, options);
  if (run.code !== 0) throw new Error(`meridian ${args.join(" ")} exited with ${run.code}: ${run.stderr}`);
  return run.stdout;
}

const json = async <T>(args: string[]) => JSON.parse(await ok([...args, "--json"])) as T;
const currentVersion = async (tenant: string) => (await json<{ version: number }>(["rules", "get", tenant])).version;
const example = (name: string) => join(EXAMPLES, "rules", name);

let serial = 0;
/** A tenant of its own for each test, created through the CLI. */
async function freshTenant(): Promise<string> {
  const id = `cli-${process.pid}-${++serial}`;
  expect(await ok(["tenants", "put", id, join(EXAMPLES, "tenants", "acme.json")])).toBe(`${id}: created\n`);
  return id;
}

describe("meridian CLI", { timeout: 90_000 }, () => {
  beforeAll(async () => {
    // Compile once before the timed tests (tsx caches the transform).
    await meridian(["help"]);
  });

  it("pushes rules files as new versions, skips an identical push, lists the history", async () => {
    const tenant = await freshTenant();
    const first = await ok(["rules", "push", tenant, example("aliases.json"), "--note", "aliases for the apps"]);
    expect(first.split("\n")[0]).toBe(`${tenant}: pushed ${example("aliases.json")} as version 1 (was 0)`);
    expect(first).toContain('+ aliases: {"fast":');

    expect(await ok(["rules", "push", tenant, example("aliases.json")])).toBe(`${tenant}: unchanged, ${example("aliases.json")} is already version 1; nothing pushed\n`);
    expect(await currentVersion(tenant)).toBe(1);

    const second = await ok(["rules", "push", tenant, example("eu-residency.yaml")]);
    expect(second).toContain("as version 2 (was 1)");
    expect(second).toContain('~ policy.kind: "latency" -> "balanced"');

    const history = await json<{ data: { version: number; note?: string; author: string }[] }>(["rules", "history", tenant]);
    expect(history.data.map((v) => [v.version, v.note ?? null])).toEqual([[2, null], [1, "aliases for the apps"], [0, null]]);
    const table = (await ok(["rules", "history", tenant])).split("\n");
    expect(table[0]).toMatch(/^VERSION\s+CREATED\s+AUTHOR\s+NOTE$/);
    expect(table[2]).toMatch(/^\s+1 .* admin\s+aliases for the apps$/);
  });

  it("refuses a stale --if-match with a 412 message and exit 1, leaving the rules as they were", async () => {
    const tenant = await freshTenant();
    await ok(["rules", "push", tenant, example("aliases.json")]);
    await ok(["rules", "push", tenant, example("ab-test.json"), "--if-match", "1"]);

    const stale = await meridian(["rules", "push", tenant, example("eu-residency.yaml"), "--expect-version", "1"]);
    expect(stale.code).toBe(1);
    expect(stale.stderr).toBe(`meridian: version conflict (412): the rules of ${tenant} are at version 2, not 1; someone changed them meanwhile. Review with 'meridian rules get ${tenant}' and retry.\n`);
    expect(stale.stdout).toBe("");
    const rules = await json<{ version: number; rules: { routes?: unknown[] } }>(["rules", "get", tenant]);
    expect(rules.version).toBe(2);
    expect(rules.rules.routes).toHaveLength(3);
  });

  it("rolls back by writing the old document as a new version; get --version prints any version", async () => {
    const tenant = await freshTenant();
    await ok(["rules", "push", tenant, example("aliases.json")]);
    await ok(["rules", "push", tenant, example("eu-residency.yaml")]);

    expect(await ok(["rules", "rollback", tenant, "1", "--note", "residency broke the batch jobs"])).toBe(`${tenant}: rolled back to version 1, now in force as version 3\n`);
    const now = await json<{ version: number; rolled_back_to: number; note: string; rules: unknown }>(["rules", "get", tenant]);
    expect(now).toMatchObject({ version: 3, rolled_back_to: 1, note: "residency broke the batch jobs" });

    const v1 = await meridian(["rules", "get", tenant, "--version", "1"]);
    expect(v1.stderr).toMatch(new RegExp(`^${tenant}: rules version 1, by admin at `));
    expect(JSON.parse(v1.stdout)).toEqual(now.rules);
    const v2 = await ok(["rules", "get", tenant, "--version", "2", "--yaml"]);
    expect(v2).toContain("  kind: balanced\n  latency_weight: 0.7\n");

    const missing = await meridian(["rules", "rollback", tenant, "9"]);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toMatch(/^meridian: .*no such rules version \(current: 3\)\. \(404 rules_version_not_found\)\n$/);
  });

  it("rejects an invalid file with field-level errors and exit 1, without calling the router", async () => {
    const tenant = await freshTenant();
    await ok(["rules", "push", tenant, example("aliases.json")]);
    const file = join(tmpdir(), `meridian-cli-${process.pid}-invalid.json`);
    writeFileSync(file, JSON.stringify({ aliases: { fast: { strategy: "weighted", targets: [{ model: "llama-8b", pool: "gpus" }] } } }));

    const expected = [
      `meridian: ${file} is not a valid rules document (3 errors); nothing was sent`,
      "  aliases.fast.targets[0].pool: no pool 'gpus' in `pools`",
      "  aliases.fast.targets[0].weight: the weighted strategy needs a weight on every target",
      "  aliases.fast.targets: weights must not all be zero",
      "",
    ].join("\n");
    const run = await meridian(["rules", "push", tenant, file]);
    expect([run.code, run.stderr]).toEqual([1, expected]);
    // The same answer with no router at all: the file was never sent.
    const offline = await meridian(["rules", "push", tenant, file], { env: { MERIDIAN_URL: "http://127.0.0.1:9" } });
    expect([offline.code, offline.stderr]).toEqual([1, expected]);
    expect(await currentVersion(tenant)).toBe(1);
  });

  it("reads a rules document from stdin and shows a dry run's changes without writing", async () => {
    const tenant = await freshTenant();
    const dry = await ok(["rules", "push", tenant, "-", "--dry-run"], { input: "policy: {kind: cost}\n" });
    expect(dry).toBe(`stdin is valid; against version 0 of ${tenant}:\n+ policy: {"kind":"cost"}\n`);
    expect(await currentVersion(tenant)).toBe(0);
    await ok(["rules", "push", tenant, "-"], { input: '{"policy": {"kind": "cost"}}' });
    expect(await ok(["rules", "diff", tenant, example("aliases.json")])).toContain('~ policy.kind: "cost" -> "latency"');
  });

  it("creates a key whose secret alone is on stdout, routes it by the pushed rules, lists and revokes it", async () => {
    const tenant = await freshTenant();
    const pushed = await json<{ version: number }>(["rules", "push", tenant, example("aliases.json")]);
    const created = await meridian(["keys", "create", tenant, "--name", "ci"]);
    expect(created.code).toBe(0);
    const secret = created.stdout.trim();
    expect(secret).toMatch(/^sk-mrd-\S+$/);
    expect(created.stderr).toMatch(new RegExp(`^${tenant}: created key key_\\w+ \\(ci\\); its secret is shown this once`));

    const chat = () =>
      fetch(`${dev.url}/v1/chat/completions`, {
        method: "POST",
        headers: { authorization: `Bearer ${secret}`, "content-type": "application/json" },
        body: JSON.stringify({ model: "fast", messages: [{ role: "user", content: "Hi" }], max_tokens: 4 }),
      });
    const res = await chat();
    expect(res.status).toBe(200);
    expect(res.headers.get("x-meridian-rules-version")).toBe(String(pushed.version));
    expect(res.headers.get("x-meridian-route")).toMatch(/^alias fast -> llama-1\.5b; /);

    const keys = await json<{ data: { id: string; name: string; revoked_at: number | null }[] }>(["keys", "list", tenant]);
    expect(keys.data).toHaveLength(1);
    const [key] = keys.data;
    expect(key).toMatchObject({ name: "ci", revoked_at: null });

    expect(await ok(["keys", "limit", tenant, key!.id, "--rpm", "600"])).toBe(`${tenant}: key ${key!.id} limits: 600 rpm\n`);
    expect(await ok(["keys", "list", tenant])).toMatch(new RegExp(`^ID\\s+NAME\\s+PREFIX\\s+LIMITS\\s+CREATED\\s+REVOKED\\n${key!.id}\\s+ci\\s+sk-mrd-\\S+\\s+600 rpm\\s+\\d{4}-`));

    expect(await ok(["keys", "revoke", tenant, key!.id])).toMatch(new RegExp(`^${tenant}: revoked key ${key!.id} at \\d{4}-`));
    expect((await chat()).status).toBe(401);
    const unknown = await meridian(["keys", "revoke", tenant, "key_nope"]);
    expect([unknown.code, unknown.stderr]).toEqual([1, `meridian: No key 'key_nope' for tenant '${tenant}'. (404 key_not_found)\n`]);
  });

  it("shows the audit log of every write, by admin token label", async () => {
    const tenant = await freshTenant();
    await ok(["rules", "push", tenant, example("aliases.json"), "--note", "first"]);
    await ok(["keys", "create", tenant]);
    const audit = await json<{ data: { actor: string; action: string; rules_version: number; detail: Record<string, unknown> }[] }>(["audit", tenant]);
    expect(audit.data.map((e) => [e.actor, e.action, e.rules_version])).toEqual([
      ["admin", "key.create", 1],
      ["admin", "rules.put", 1],
      ["admin", "tenant.create", 0],
    ]);
    expect(audit.data[1]!.detail).toEqual({ from_version: 0, note: "first" });
    expect((await ok(["audit", tenant, "--limit", "1"])).split("\n")[1]).toMatch(/^\s+\d+ .* admin\s+key\.create\s+1\s+\{"key_id":/);
  });

  it("adds and corrects prepaid credits, and shows usage by day and model", async () => {
    const tenant = await freshTenant();
    expect(await ok(["credits", "add", tenant, "25", "--note", "invoice 1"])).toBe(`${tenant}: added $25.00 of credits; balance $25.00\n`);
    expect(await ok(["credits", "add", tenant, "--", "-5"])).toBe(`${tenant}: deducted $5.00 of credits; balance $20.00\n`);
    const usage = (await ok(["usage", tenant])).split("\n");
    expect(usage[0]).toMatch(new RegExp(`^${tenant}: usage from \\d{4}-\\d{2}-01 to \\d{4}-\\d{2}-\\d{2}$`));
    expect(usage[1]).toMatch(/^DATE\s+MODEL\s+REQUESTS\s+INPUT\s+OUTPUT\s+COST\s+CACHE HITS\s+SAVED\s+WAIVED\s+BATCH$/);
    const bad = await meridian(["usage", tenant, "--from", "yesterday"]);
    expect([bad.code, bad.stderr]).toEqual([2, "meridian: --from must be a date as YYYY-MM-DD, got 'yesterday'\n"]);
  });

  it("fails with one clear line: wrong token, unknown tenant, unreachable router, bad command line", async () => {
    const cases: [string[], Record<string, string>, number, RegExp][] = [
      [["tenants", "list"], { MERIDIAN_ADMIN_TOKEN: "wrong-token" }, 1, /^meridian: the router refused the admin token \(401\)/],
      [["rules", "get", "no-such-tenant"], {}, 1, /^meridian: No tenant 'no-such-tenant'\. \(404 tenant_not_found\)$/],
      [["tenants", "list"], { MERIDIAN_URL: "http://127.0.0.1:9" }, 1, /^meridian: cannot reach the router at http:\/\/127\.0\.0\.1:9: /],
      [["rules", "push", "x"], {}, 2, /^meridian: missing <file>; usage: meridian rules push <tenant> <file>/],
    ];
    for (const [args, env, code, message] of cases) {
      const run = await meridian(args, { env });
      expect(run.code).toBe(code);
      expect(run.stderr.split("\n")).toHaveLength(2);
      expect(run.stderr.trimEnd()).toMatch(message);
    }
  });

  it("runs as `npx meridian` through the package's bin", async () => {
    const tenant = await freshTenant();
    const out = await ok(["tenants", "get", tenant, "--json"], { bin: true });
    expect(JSON.parse(out)).toMatchObject({ id: tenant, name: "Acme Corp", models: ["llama-8b", "llama-1.5b"] });
  });
});
