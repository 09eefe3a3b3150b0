// `npm run dev` with a secret that breaks the rule stops before starting
// anything: one line on stderr, exit 2, no secrets file, no fleet.
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { expect, it } from "vitest";

it("npm run dev stops at once on a short MERIDIAN_DEMO_KEY, saying the rule", () => {
  const dir = mkdtempSync(join(tmpdir(), "dev-short-key-"));
  try {
    const devVars = join(dir, "dev.vars");
    const run = spawnSync(process.execPath, ["--import", "tsx", "scripts/dev.ts"], {
      env: { ...process.env, MERIDIAN_DEMO_KEY: "sk-demo", MERIDIAN_DEV_VARS: devVars, FLEET_PORT: "0", PORT: "0" },
      encoding: "utf8",
      timeout: 30_000,
    });
    expect(run.status).toBe(2);
    expect(run.stderr.trim().split("\n")).toEqual([
      "npm run dev: MERIDIAN_DEMO_KEY from the environment must be 32–256 printable ASCII characters, no spaces (it has 7 characters); unset it to have one generated.",
    ]);
    expect(run.stdout).not.toContain("Meridian is running");
    expect(existsSync(devVars)).toBe(false);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}, 40_000);
