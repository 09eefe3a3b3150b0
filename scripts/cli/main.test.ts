import { describe, expect, it } from "vitest";
import { AdminApiError } from "../../harness/admin-client";
import { CliError, emit, type Command } from "./command";
import { main } from "./main";

function capture() {
  const out: string[] = [];
  const err: string[] = [];
  return { out, err, io: { print: (t: string) => out.push(t), note: (t: string) => err.push(t) } };
}

const failWith = (error: unknown): Command => ({ words: ["fail"], args: [], summary: "fails", run: async () => Promise.reject(error) });
const COMMANDS: Command[] = [
  { words: ["echo"], args: ["text"], summary: "prints its argument", run: async (ctx) => emit(ctx, { text: ctx.args.text }, () => `said ${ctx.args.text}`) },
  { words: ["connect"], args: [], summary: "makes the client", run: async (ctx) => void ctx.admin() },
];
const ENV = { MERIDIAN_URL: "http://127.0.0.1:8787", MERIDIAN_ADMIN_TOKEN: "t" };

describe("main", () => {
  it("runs a command: exit 0, the result on stdout, nothing on stderr", async () => {
    const c = capture();
    expect(await main(["echo", "hi"], {}, c.io, COMMANDS)).toBe(0);
    expect(c.out).toEqual(["said hi"]);
    expect(c.err).toEqual([]);
  });

  it("prints the API's JSON under --json", async () => {
    const c = capture();
    expect(await main(["echo", "hi", "--json"], {}, c.io, COMMANDS)).toBe(0);
    expect(JSON.parse(c.out.join("\n"))).toEqual({ text: "hi" });
  });

  it("prints help with exit 0", async () => {
    const c = capture();
    expect(await main(["--help"], {}, c.io, COMMANDS)).toBe(0);
    expect(c.out[0]).toMatch(/^meridian: the admin CLI/);
    expect(c.out[0]).toMatch(/\n {2}echo {5}prints its argument\n {2}connect {2}makes the client\n/);
    expect(await main(["echo", "--help"], {}, c.io, COMMANDS)).toBe(0);
    expect(c.out[1]).toMatch(/^usage: meridian echo <text>\n\nprints its argument\n\nOptions for every command:\n {2}--url <url> {6}router base URL/);
  });

  it("exits 2 on a bad command line, with one line on stderr", async () => {
    const c = capture();
    expect(await main(["echo"], {}, c.io, COMMANDS)).toBe(2);
    expect(c.err).toEqual(["meridian: missing <text>; usage: meridian echo <text>"]);
    expect(c.out).toEqual([]);
  });

  it("needs a URL and a token only when a command talks to the router, from the environment or flags", async () => {
    const c = capture();
    expect(await main(["connect"], {}, c.io, COMMANDS)).toBe(2);
    expect(c.err).toEqual(["meridian: no router URL: set MERIDIAN_URL or pass --url"]);
    expect(await main(["connect"], { MERIDIAN_URL: "http://x" }, c.io, COMMANDS)).toBe(2);
    expect(c.err[1]).toBe("meridian: no admin token: set MERIDIAN_ADMIN_TOKEN or pass --token");
    expect(await main(["connect", "--url", "ftp://x"], ENV, c.io, COMMANDS)).toBe(2);
    expect(c.err[2]).toBe("meridian: the router URL must start with http:// or https://, got 'ftp://x'");
    expect(await main(["connect"], ENV, c.io, COMMANDS)).toBe(0);
    expect(await main(["connect", "--url", "https://router.example.com", "--token", "t"], {}, c.io, COMMANDS)).toBe(0);
  });

  it("exits 1 on a CliError, printing its details under the message", async () => {
    const c = capture();
    expect(await main(["fail"], ENV, c.io, [failWith(new CliError("bad file", ["  a.b: wrong"]))])).toBe(1);
    expect(c.err).toEqual(["meridian: bad file", "  a.b: wrong"]);
  });

  it("reports an API error by its message, status and code, with every field error", async () => {
    const body = { error: { message: "Invalid tenant.name: too long", code: "invalid_value", errors: [{ path: "name", message: "too long" }, { path: "models[0]", message: "empty" }] } };
    const c = capture();
    expect(await main(["fail"], ENV, c.io, [failWith(new AdminApiError("PUT", "/tenants/a", 400, body))])).toBe(1);
    expect(c.err).toEqual(["meridian: Invalid tenant.name: too long (400 invalid_value)", "  name: too long", "  models[0]: empty"]);
  });

  it("says the token was refused on 401, and shows a body that is not JSON", async () => {
    const c = capture();
    await main(["fail"], ENV, c.io, [failWith(new AdminApiError("GET", "/tenants", 401, { error: { message: "no" } }))]);
    await main(["fail"], ENV, c.io, [failWith(new AdminApiError("GET", "/tenants", 502, "Bad gateway"))]);
    expect(c.err).toEqual(["meridian: the router refused the admin token (401): check MERIDIAN_ADMIN_TOKEN or --token", "meridian: Bad gateway (502)"]);
  });
});
