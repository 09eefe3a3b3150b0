// The dev secrets file (`.dev.vars` by default): written once with fresh random
// values, then reused, so the demo key and admin token stay stable across runs.
import { randomBytes } from "node:crypto";
import { existsSync, readFileSync, writeFileSync } from "node:fs";

export interface DevVars {
  ADMIN_TOKEN: string;
  MERIDIAN_DEMO_KEY: string;
  MERIDIAN_DEV: "true";
}

export function loadDevVars(path: string, env: NodeJS.ProcessEnv = process.env): DevVars {
  const file = existsSync(path) ? parse(readFileSync(path, "utf8")) : {};
  const vars: DevVars = {
    ADMIN_TOKEN: env.ADMIN_TOKEN || file.ADMIN_TOKEN || `adm-${randomBytes(24).toString("base64url")}`,
    MERIDIAN_DEMO_KEY: env.MERIDIAN_DEMO_KEY || file.MERIDIAN_DEMO_KEY || `sk-mrd-demo-${randomBytes(24).toString("base64url")}`,
    MERIDIAN_DEV: "true",
  };
  const text = Object.entries(vars).map(([k, v]) => `${k}=${v}`).join("\n") + "\n";
  if (!existsSync(path) || readFileSync(path, "utf8") !== text) writeFileSync(path, text, { mode: 0o600 });
  return vars;
}

function parse(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const line of text.split("\n")) {
    const match = /^\s*([A-Z0-9_]+)\s*=\s*"?(.*?)"?\s*$/.exec(line);
    if (match) out[match[1]!] = match[2]!;
  }
  return out;
}
