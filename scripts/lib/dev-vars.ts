// The dev secrets file (`.dev.vars` by default): written once with fresh random
// values, then reused, so the demo key and admin token stay stable across runs.
import { randomBytes } from "node:crypto";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { SECRET_RULE, isValidSecret } from "../../worker/vocabulary/secrets";

export interface DevVars {
  ADMIN_TOKEN: string;
  MERIDIAN_DEMO_KEY: string;
  MERIDIAN_DEV: "true";
}

/** A chosen secret that breaks the rule: `npm run dev` stops on it before starting anything. */
export class DevSecretError extends Error {}

/**
 * The dev secrets: each from the environment, else the file, else generated.
 * Throws DevSecretError (and writes nothing) when a chosen one breaks the rule.
 */
export function loadDevVars(path: string, env: Readonly<Record<string, string | undefined>> = process.env): DevVars {
  const file = existsSync(path) ? parse(readFileSync(path, "utf8")) : {};
  const pick = (name: "ADMIN_TOKEN" | "MERIDIAN_DEMO_KEY", generate: () => string): string => {
    const [value, from] = env[name] ? [env[name]!, "the environment"] : file[name] ? [file[name]!, path] : [generate(), ""];
    if (from && !isValidSecret(value)) {
      throw new DevSecretError(`${name} from ${from} must be ${SECRET_RULE} (it has ${value.length} characters); unset it to have one generated.`);
    }
    return value;
  };
  const vars: DevVars = {
    ADMIN_TOKEN: pick("ADMIN_TOKEN", () => `adm-${randomBytes(24).toString("base64url")}`),
    MERIDIAN_DEMO_KEY: pick("MERIDIAN_DEMO_KEY", () => `sk-mrd-demo-${randomBytes(24).toString("base64url")}`),
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
