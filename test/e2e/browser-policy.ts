// Whether the dashboard's browser test runs, and why. Read by the test itself
// and by the reporter that says so beside the summary when it is skipped, so
// both decide alike. No browser library is loaded here (the config imports it).
import { execFileSync } from "node:child_process";

export const DASHBOARD_TEST = "test/e2e/dashboard.test.ts";

/** What a developer does to run the browser test. */
export const INSTALL_HINT =
  "install Debian's chromium with `bash scripts/install-chromium.sh` (or point CHROMIUM_PATH at a Chromium or Chrome binary)";
/** How to make a missing browser fail the run instead. */
export const REQUIRE_HINT = "MERIDIAN_BROWSER_TEST=required (or CI=true) makes a missing browser fail the run";

export interface BrowserPolicy {
  /** The browser binary, if one was found. */
  executable: string | null;
  /** A missing browser fails the run: in CI, or when asked for. */
  required: boolean;
  /** The test runs (and fails without a browser) or is skipped. */
  run: boolean;
}

/** Names a Chromium-family browser goes by on a PATH (Debian, other Linux, Chrome). */
const NAMES = ["chromium", "chromium-browser", "google-chrome", "google-chrome-stable"];

export function browserPolicy(env: Readonly<Record<string, string | undefined>> = process.env, find: (names: readonly string[]) => string | null = onPath): BrowserPolicy {
  const executable = env.CHROMIUM_PATH || find(NAMES);
  const wanted = (env.MERIDIAN_BROWSER_TEST ?? "").toLowerCase();
  const required = wanted === "required" || (wanted !== "skip" && isTrue(env.CI));
  const run = required || (wanted !== "skip" && executable !== null);
  return { executable, required, run };
}

/** `CI=true` or `CI=1` (as CI services set it); `CI=false` or unset is a developer's machine. */
function isTrue(value: string | undefined): boolean {
  return value !== undefined && value !== "" && value !== "0" && value.toLowerCase() !== "false";
}

function onPath(names: readonly string[]): string | null {
  for (const name of names) {
    try {
      const path = execFileSync("sh", ["-c", `command -v ${name}`], { encoding: "utf8", stdio: ["ignore", "pipe", "ignore"] }).trim();
      if (path) return path;
    } catch {
      // not this one
    }
  }
  return null;
}
