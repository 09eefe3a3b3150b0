import { secretsEqual } from "./crypto";

/** A label names an admin token in the audit log; the token itself is never recorded. */
export interface AdminToken {
  label: string;
  token: string;
}

const LABEL = /^[A-Za-z0-9._-]{1,64}$/;

/**
 * The configured admin tokens: `ADMIN_TOKEN` (labelled `admin`) plus
 * `ADMIN_TOKENS`, a comma-separated list of `label:token` pairs, so each
 * operator or CI pipeline has its own token and shows up by name in the audit log.
 */
export function adminTokens(env: { ADMIN_TOKEN?: string; ADMIN_TOKENS?: string }): AdminToken[] {
  const out: AdminToken[] = [];
  if (env.ADMIN_TOKEN) out.push({ label: "admin", token: env.ADMIN_TOKEN });
  for (const pair of (env.ADMIN_TOKENS ?? "").split(",")) {
    const at = pair.indexOf(":");
    const label = pair.slice(0, at).trim();
    const token = pair.slice(at + 1).trim();
    if (at > 0 && LABEL.test(label) && token.length >= 16) out.push({ label, token });
  }
  return out;
}

/**
 * The label of the token `given` matches, or null. Every configured token is
 * compared (in constant time), so the time taken does not reveal which one matched.
 */
export async function matchAdminToken(given: string, tokens: readonly AdminToken[]): Promise<string | null> {
  const results = await Promise.all(tokens.map((t) => secretsEqual(given, t.token)));
  let label: string | null = null;
  results.forEach((ok, i) => {
    if (ok && label === null) label = tokens[i]!.label;
  });
  return label;
}
