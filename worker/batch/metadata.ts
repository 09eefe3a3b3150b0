// A batch's `metadata`: OpenAI's limits (16 pairs, keys up to 64 characters,
// values up to 512), checked here so bad input is a 400 and names like
// `__proto__` are stored as the plain keys they are.
import { setOwn } from "../own";

export function checkMetadata(value: unknown): { ok: true; metadata: Record<string, string> | null } | { ok: false; message: string } {
  if (value === undefined || value === null) return { ok: true, metadata: null };
  if (typeof value !== "object" || Array.isArray(value)) return { ok: false, message: "metadata must be an object of strings." };
  const entries = Object.entries(value as Record<string, unknown>);
  if (entries.length > 16) return { ok: false, message: "metadata has more than 16 keys." };
  const out: Record<string, string> = {};
  for (const [k, v] of entries) {
    if (k.length === 0 || k.length > 64) return { ok: false, message: "metadata keys must be 1 to 64 characters." };
    if (typeof v !== "string" || v.length > 512) return { ok: false, message: "metadata values must be strings of at most 512 characters." };
    setOwn(out, k, v);
  }
  return { ok: true, metadata: out };
}
