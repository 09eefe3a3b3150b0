import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { isValidSecret } from "../../worker/vocabulary/secrets";
import { DevSecretError, loadDevVars } from "./dev-vars";

let dir: string;
let path: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), "dev-vars-"));
  path = join(dir, "dev.vars");
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const LONG = "sk-my-own-demo-key-0123456789abcdef";

describe("loadDevVars", () => {
  it("generates secrets that keep the rule, and reuses them", () => {
    const first = loadDevVars(path, {});
    expect(isValidSecret(first.ADMIN_TOKEN)).toBe(true);
    expect(isValidSecret(first.MERIDIAN_DEMO_KEY)).toBe(true);
    expect(loadDevVars(path, {})).toEqual(first);
  });

  it("takes chosen secrets that keep the rule", () => {
    const vars = loadDevVars(path, { MERIDIAN_DEMO_KEY: LONG });
    expect(vars.MERIDIAN_DEMO_KEY).toBe(LONG);
    expect(readFileSync(path, "utf8")).toContain(`MERIDIAN_DEMO_KEY=${LONG}`);
  });

  it("refuses a short demo key or admin token in one line naming the rule, writing nothing", () => {
    expect(() => loadDevVars(path, { MERIDIAN_DEMO_KEY: "sk-demo" })).toThrow(DevSecretError);
    expect(() => loadDevVars(path, { MERIDIAN_DEMO_KEY: "sk-demo" })).toThrow(
      "MERIDIAN_DEMO_KEY from the environment must be 32–256 printable ASCII characters, no spaces (it has 7 characters); unset it to have one generated.",
    );
    expect(() => loadDevVars(path, { ADMIN_TOKEN: "x".repeat(31) })).toThrow(/^ADMIN_TOKEN from the environment must be 32–256/);
    expect(() => loadDevVars(path, { ADMIN_TOKEN: `${"x".repeat(31)} y` })).toThrow(/no spaces/);
    expect(existsSync(path)).toBe(false);
  });

  it("refuses a short secret kept in the file, naming the file", () => {
    writeFileSync(path, "ADMIN_TOKEN=short\nMERIDIAN_DEMO_KEY=" + LONG + "\n");
    expect(() => loadDevVars(path, {})).toThrow(`ADMIN_TOKEN from ${path} must be`);
  });
});
