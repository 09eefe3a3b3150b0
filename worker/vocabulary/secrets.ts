// One rule for every secret Meridian accepts from an operator: tenant keys
// (generated or imported) and admin tokens. Long enough not to be guessed,
// short enough for a header, and nothing that a Bearer header would mangle.

export const MIN_SECRET_LENGTH = 32;
export const MAX_SECRET_LENGTH = 256;

/** The rule in words, for error messages and docs. */
export const SECRET_RULE = `${MIN_SECRET_LENGTH}–${MAX_SECRET_LENGTH} printable ASCII characters, no spaces`;

const PRINTABLE = /^[\x21-\x7e]*$/;

/** Whether a secret keeps the rule. */
export function isValidSecret(value: string): boolean {
  return value.length >= MIN_SECRET_LENGTH && value.length <= MAX_SECRET_LENGTH && PRINTABLE.test(value);
}
