// The dashboard's session cookie: `<label>~<expires>~<signature>`, signed with
// HMAC-SHA256 under a key derived (HKDF) from the admin token that signed in.
// The cookie never holds the token; it is useless after `expires`; and
// rotating that token (or removing its label) invalidates every session it made.
import type { AdminToken } from "../auth/admin-tokens";

/** A working session: after that, sign in again. */
export const SESSION_TTL_S = 8 * 3600;

const encoder = new TextEncoder();
const KEY_INFO = encoder.encode("meridian dashboard session v1");
const SHAPE = /^([A-Za-z0-9._-]{1,64})~(\d{1,12})~([A-Za-z0-9_-]{43})$/;

async function sessionKey(token: string): Promise<CryptoKey> {
  const base = await crypto.subtle.importKey("raw", encoder.encode(token), "HKDF", false, ["deriveKey"]);
  return crypto.subtle.deriveKey(
    { name: "HKDF", hash: "SHA-256", salt: new Uint8Array(0), info: KEY_INFO },
    base,
    { name: "HMAC", hash: "SHA-256", length: 256 },
    false,
    ["sign", "verify"],
  );
}

const signed = (label: string, expires: number) => encoder.encode(`${label}~${expires}`);

/** A session for the token's label that ends `SESSION_TTL_S` after `nowMs`. */
export async function createSession(token: AdminToken, nowMs: number): Promise<string> {
  const expires = Math.floor(nowMs / 1000) + SESSION_TTL_S;
  const mac = await crypto.subtle.sign("HMAC", await sessionKey(token.token), signed(token.label, expires));
  return `${token.label}~${expires}~${base64url(new Uint8Array(mac))}`;
}

/**
 * The label of a valid, unexpired session, or null. The signature is checked
 * against every configured token with that label (two may overlap while one
 * is being rotated), each with a constant-time verify.
 */
export async function verifySession(value: string, tokens: readonly AdminToken[], nowMs: number): Promise<string | null> {
  const match = SHAPE.exec(value);
  if (!match) return null;
  const [, label, expiresText, signature] = match as unknown as [string, string, string, string];
  const expires = Number(expiresText);
  const now = Math.floor(nowMs / 1000);
  // Expired, or further out than any session this code issues.
  if (expires <= now || expires > now + SESSION_TTL_S) return null;
  const mac = fromBase64url(signature);
  for (const token of tokens) {
    if (token.label !== label) continue;
    if (await crypto.subtle.verify("HMAC", await sessionKey(token.token), mac, signed(label, expires))) return label;
  }
  return null;
}

function base64url(bytes: Uint8Array): string {
  let binary = "";
  for (const byte of bytes) binary += String.fromCharCode(byte);
  return btoa(binary).replaceAll("+", "-").replaceAll("/", "_").replace(/=+$/, "");
}

function fromBase64url(text: string): Uint8Array {
  const binary = atob(text.replaceAll("-", "+").replaceAll("_", "/"));
  return Uint8Array.from(binary, (ch) => ch.charCodeAt(0));
}
