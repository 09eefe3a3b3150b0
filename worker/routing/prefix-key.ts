// The prefix key of a request: which requests share a prompt prefix an
// engine may hold in its prefix cache, so affinity.ts can send them to the
// same origin. Derived from the body alone, with no state and no allocation
// beyond the key itself: every PoP and isolate derives the same key.
//
// "Leading" content is what requests share by design, in the order an engine
// renders it: tools, instructions and the system (or developer) messages
// before the first turn. When that is long enough to matter it alone is the
// key, so every caller of one long system prompt lands on the engine that
// holds it. When it is short, a conversation's opening turn joins it: every
// later turn of that conversation repeats the opening, so a session keeps its
// key while it grows. Only the first LEADING_CHARS code units are hashed.
import { badRequest } from "../http/errors";
import { fmix32 } from "./affinity";

/** Code units of leading content hashed: about a thousand tokens (64 vLLM blocks), a few microseconds of hashing. */
export const LEADING_CHARS = 4096;
/** Below this many shared tokens a prefix hit saves too little prefill to be worth constraining the choice. */
export const MIN_PREFIX_TOKENS = 256;
/** Nesting past this depth is not walked (a hostile body must not overflow the stack). */
const MAX_DEPTH = 16;
/** About four bytes a token, as workload.ts guesses input tokens. */
const CHARS_PER_TOKEN = 4;

export interface PrefixKey {
  key: string | null;
  /** About how many leading tokens are shared with earlier requests of the key (all but the last message). */
  tokens: number;
}

const NONE: PrefixKey = { key: null, tokens: 0 };

// The running hash and what is left of the budget: module state, so the walk allocates nothing.
let h = 0;
let budget = 0;

/**
 * `prompt_cache_key` when the client sends one (OpenAI's explicit key), else
 * the `user` field with the leading content, else the leading content alone
 * when it is long enough to matter. The tenant is in every key: tenants never
 * share an engine's cache through routing (a prefix-cache timing side channel).
 */
export function prefixKey(body: Record<string, unknown>, tenantId: string): PrefixKey {
  const explicit = body.prompt_cache_key;
  if (explicit !== undefined && explicit !== null && typeof explicit !== "string") {
    throw badRequest("Invalid body.prompt_cache_key: expected a string.", "invalid_value", "prompt_cache_key");
  }
  const shared = sharedTokens(body);
  if (typeof explicit === "string" && explicit.length > 0) return { key: `c${hex(hashWhole(explicit, hashWhole(tenantId, SEED)))}`, tokens: shared };
  h = hashWhole(tenantId, SEED);
  const user = typeof body.user === "string" && body.user.length > 0 ? body.user : null;
  if (user !== null) h = hashWhole(user, h ^ 0x75);
  budget = LEADING_CHARS;
  walk(body.tools, 0);
  walk(body.instructions, 0);
  let lead = size(body.tools, 0) + size(body.instructions, 0);
  const turns = Array.isArray(body.messages) ? body.messages : Array.isArray(body.input) ? body.input : null;
  if (turns) {
    let i = 0;
    for (; i < turns.length - 1 && isSystem(turns[i]); i++) {
      walk(turns[i], 0);
      lead += size(turns[i], 0);
    }
    if (lead < MIN_PREFIX_TOKENS * CHARS_PER_TOKEN) {
      // A conversation under way (an earlier turn and its answer before the new one): its opening is its identity.
      if (turns.length - i < 3) return NONE;
      walk(turns[i], 0);
      lead = Infinity;
    }
  } else {
    const text = body.prompt ?? body.input;
    walk(text, 0);
    lead += size(text, 0);
  }
  if (lead < MIN_PREFIX_TOKENS * CHARS_PER_TOKEN) return NONE;
  return { key: `${user !== null ? "u" : "p"}${hex(fmix32(h))}`, tokens: shared };
}

function isSystem(turn: unknown): boolean {
  if (typeof turn !== "object" || turn === null) return false;
  const role = (turn as { role?: unknown }).role;
  return role === "system" || role === "developer";
}

const SEED = 0x811c9dc5;
const hex = (x: number) => (x >>> 0).toString(16).padStart(8, "0");

function hashWhole(s: string, seed: number): number {
  let x = seed >>> 0;
  for (let i = 0; i < s.length; i++) x = Math.imul(x ^ s.charCodeAt(i), 0x01000193);
  return fmix32(x ^ s.length);
}

function mixCode(code: number): void {
  h = Math.imul(h ^ code, 0x01000193);
}

/** Feeds a JSON value into the hash, in its own order, until the budget runs out. */
function walk(v: unknown, depth: number): void {
  if (budget <= 0 || v === undefined) return;
  if (typeof v === "string") {
    const n = Math.min(v.length, budget);
    for (let i = 0; i < n; i++) h = Math.imul(h ^ v.charCodeAt(i), 0x01000193);
    budget -= n;
    mixCode(0x1f);
    return;
  }
  budget--;
  if (typeof v === "number") {
    mixCode(Number.isInteger(v) ? v | 0 : 0x4e);
    return;
  }
  if (typeof v === "boolean" || v === null) {
    mixCode(v === true ? 0x74 : v === false ? 0x66 : 0x6e);
    return;
  }
  if (typeof v !== "object" || depth >= MAX_DEPTH) return;
  if (Array.isArray(v)) {
    mixCode(0x5b);
    for (let i = 0; i < v.length && budget > 0; i++) walk(v[i], depth + 1);
    mixCode(0x5d);
    return;
  }
  mixCode(0x7b);
  for (const k in v) {
    if (budget <= 0) break;
    if (!Object.hasOwn(v, k)) continue;
    walk(k, depth + 1);
    walk((v as Record<string, unknown>)[k], depth + 1);
  }
  mixCode(0x7d);
}

/**
 * Tokens of the content an earlier request of the same conversation or
 * caller would have sent too: tools, instructions and every message but the
 * last (the new turn); a bare prompt or input counts whole (a shared document
 * is the point of a key then).
 */
function sharedTokens(body: Record<string, unknown>): number {
  let chars = size(body.tools, 0) + size(body.instructions, 0);
  const messages = Array.isArray(body.messages) ? body.messages : Array.isArray(body.input) ? body.input : null;
  if (messages) for (let i = 0; i < messages.length - 1; i++) chars += size(messages[i], 0);
  else chars += size(body.prompt, 0) + size(body.input, 0);
  return Math.ceil(chars / CHARS_PER_TOKEN);
}

/** Characters of text in a JSON value (strings and keys), bounded in depth. */
function size(v: unknown, depth: number): number {
  if (typeof v === "string") return v.length;
  if (typeof v !== "object" || v === null || depth >= MAX_DEPTH) return v === undefined ? 0 : 1;
  let n = 0;
  if (Array.isArray(v)) {
    for (let i = 0; i < v.length; i++) n += size(v[i], depth + 1);
    return n;
  }
  for (const k in v) if (Object.hasOwn(v, k)) n += k.length + size((v as Record<string, unknown>)[k], depth + 1);
  return n;
}
