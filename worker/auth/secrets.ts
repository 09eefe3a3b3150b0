/**
 * The shortest operator secret (admin token) Meridian accepts, in characters.
 * Shorter ones are ignored, as if unset: a guessable token guards every
 * tenant. `scripts/lib/dev-vars.ts` generates dev tokens that pass it.
 */
export const MIN_SECRET_LENGTH = 32;
