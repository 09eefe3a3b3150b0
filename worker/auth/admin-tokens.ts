import { ApiError } from "../http/errors";
import { secretsEqual } from "./crypto";
import { SECRET_RULE, isValidSecret } from "../vocabulary/secrets";

/** A label names an admin token in the audit log; the token itself is never recorded. */
export interface AdminToken {
  label: string;
  token: string;
}

/** The label `ADMIN_TOKEN` carries; no `ADMIN_TOKENS` entry may take it, in any case. */
export const ROOT_LABEL = "admin";

const LABEL = /^[A-Za-z0-9._-]{1,64}$/;

/**
 * The configured admin tokens: `ADMIN_TOKEN` (labelled `admin`) plus
 * `ADMIN_TOKENS`, a comma-separated list of `label:token` pairs, so each
 * operator or CI pipeline has its own token and shows up by name in the audit log.
 * Tokens that break the secret rule (worker/vocabulary/secrets.ts), malformed pairs and entries that
 * would pass for `admin` in the audit log are ignored.
 */
export function adminTokens(env: { ADMIN_TOKEN?: string; ADMIN_TOKENS?: string }): AdminToken[] {
  const out: AdminToken[] = [];
  if (env.ADMIN_TOKEN && isValidSecret(env.ADMIN_TOKEN)) out.push({ label: ROOT_LABEL, token: env.ADMIN_TOKEN });
  for (const pair of (env.ADMIN_TOKENS ?? "").split(",")) {
    const at = pair.indexOf(":");
    const label = pair.slice(0, at).trim();
    const token = pair.slice(at + 1).trim();
    if (at > 0 && LABEL.test(label) && label.toLowerCase() !== ROOT_LABEL && isValidSecret(token)) out.push({ label, token });
  }
  return out;
}

/** The usable admin tokens, or a 503 that states the rule when there are none. */
export function requireAdminTokens(env: { ADMIN_TOKEN?: string; ADMIN_TOKENS?: string }): AdminToken[] {
  const tokens = adminTokens(env);
  if (tokens.length === 0) {
    throw new ApiError(
      503,
      `The admin API is disabled: set the ADMIN_TOKEN secret to ${SECRET_RULE} (tokens that are not, in ADMIN_TOKEN or ADMIN_TOKENS, are ignored).`,
      "api_error",
      "admin_disabled",
    );
  }
  return tokens;
}

/**
 * The configured token `given` equals, or null. Every configured token is
 * compared (in constant time), so the time taken does not reveal which one matched.
 */
export async function findAdminToken(given: string, tokens: readonly AdminToken[]): Promise<AdminToken | null> {
  const results = await Promise.all(tokens.map((t) => secretsEqual(given, t.token)));
  let found: AdminToken | null = null;
  results.forEach((ok, i) => {
    if (ok && found === null) found = tokens[i]!;
  });
  return found;
}

/** The label of the token `given` matches, or null (see findAdminToken). */
export async function matchAdminToken(given: string, tokens: readonly AdminToken[]): Promise<string | null> {
  return (await findAdminToken(given, tokens))?.label ?? null;
}
