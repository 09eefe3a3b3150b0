// Bindings that `wrangler types` cannot see: secrets and dev-only flags live in
// `.dev.vars` (local) or `wrangler secret put` (production), never in wrangler.toml.
declare global {
  namespace Cloudflare {
    interface Env {
      /** Bearer token for `/admin/v1/*`. */
      ADMIN_TOKEN?: string;
      /** More admin tokens, each with a label for the audit log: `label:token,label:token`. */
      ADMIN_TOKENS?: string;
      /** "true" only under `npm run dev` and tests: enables the dev location override headers. */
      MERIDIAN_DEV?: string;
    }
  }
}

export type Bindings = Env;

/** Reads a numeric var, falling back when it is missing or not a positive number. */
export function numberVar(value: string | undefined, fallback: number): number {
  const n = Number(value);
  return Number.isFinite(n) && n > 0 ? n : fallback;
}
