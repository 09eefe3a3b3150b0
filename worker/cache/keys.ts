// Cache keys. Every key starts from the tenant, its cache generation and the
// model, so no tenant can read another's entries, no model another's, and a
// purge (a new generation) makes old entries unreachable at once. The model
// is the one that answers (the rules' target), never the name the client
// used: an alias, a route, an A/B arm or `auto` may send the same name to
// another model on the next request or rules version.
import { sha256Hex } from "../auth/crypto";
import { own } from "../own";
import type { TenantRecord } from "../schemas/admin";
import { FINGERPRINT_VERSION } from "./fingerprint";

/** Fields that change how a response is delivered, not what it says. */
const DELIVERY_FIELDS = new Set(["stream", "stream_options", "user", "metadata", "meridian", "store"]);

/** A value still to write, as opposed to punctuation already decided. */
type Pending = { value: unknown } | string;

/**
 * JSON with object keys sorted, so equal requests hash equally whatever their
 * key order. Iterative, with its own stack: a client's body may nest as
 * deeply as it likes without overflowing the call stack.
 */
export function canonicalJson(value: unknown): string {
  let out = "";
  const stack: Pending[] = [{ value }];
  while (stack.length > 0) {
    const next = stack.pop()!;
    if (typeof next === "string") {
      out += next;
      continue;
    }
    const v = next.value;
    if (v === null || typeof v !== "object") {
      out += JSON.stringify(v) ?? "null";
    } else if (Array.isArray(v)) {
      // Pushed in reverse: the stack gives them back in order.
      stack.push("]");
      for (let i = v.length - 1; i >= 0; i--) {
        stack.push({ value: v[i] });
        if (i > 0) stack.push(",");
      }
      stack.push("[");
    } else {
      const keys = Object.keys(v).sort();
      stack.push("}");
      for (let i = keys.length - 1; i >= 0; i--) {
        stack.push({ value: (v as Record<string, unknown>)[keys[i]!] }, `${JSON.stringify(keys[i])}:`);
        if (i > 0) stack.push(",");
      }
      stack.push("{");
    }
  }
  return out;
}

function scope(tenant: TenantRecord, model: string, endpoint: string): string {
  const g = tenant.cache_generation;
  return `${tenant.id}\u0000${g?.all ?? 0}.${own(g?.models, model) ?? 0}\u0000${endpoint}\u0000${model}`;
}

function withoutDelivery(body: Record<string, unknown>): Record<string, unknown> {
  // fromEntries defines own properties: a `__proto__` field stays a field, not a prototype.
  return Object.fromEntries(Object.entries(body).filter(([k]) => !DELIVERY_FIELDS.has(k)));
}

/** The request as the model that answers it sees it, minus delivery details. */
function asAnswered(body: Record<string, unknown>, model: string): Record<string, unknown> {
  return { ...withoutDelivery(body), model };
}

/** The exact key of `body` answered by `model`: the whole request as the origin would see it, minus delivery details. */
export async function exactKey(tenant: TenantRecord, endpoint: string, model: string, body: Record<string, unknown>): Promise<string> {
  return sha256Hex(`${scope(tenant, model, endpoint)}\u0000${canonicalJson(asAnswered(body, model))}`);
}

interface Message {
  role?: unknown;
  content?: unknown;
}

/**
 * Splits a request into the exactly-hashed prefix (every field and every
 * earlier turn) and the final user turn's text, which alone is compared by
 * meaning. Null when the last message is not a plain-text user turn.
 */
export async function semanticParts(tenant: TenantRecord, endpoint: string, model: string, body: Record<string, unknown>): Promise<{ prefixKey: string; text: string } | null> {
  const rest = asAnswered(body, model);
  let text: string | null = null;
  if (Array.isArray(rest.messages)) {
    const messages = rest.messages as Message[];
    const last = messages.at(-1);
    if (last?.role !== "user") return null;
    text = plainText(last.content);
    rest.messages = messages.slice(0, -1);
  } else if (typeof rest.prompt === "string") {
    text = rest.prompt;
    delete rest.prompt;
  }
  if (text === null || text.trim() === "") return null;
  const prefixKey = await sha256Hex(`${scope(tenant, model, endpoint)}\u0000semantic-v${FINGERPRINT_VERSION}\u0000${canonicalJson(rest)}`);
  return { prefixKey, text };
}

/** The text of a message's content: a string, or only text parts (images make it uncacheable). */
function plainText(content: unknown): string | null {
  if (typeof content === "string") return content;
  if (!Array.isArray(content)) return null;
  let text = "";
  for (const part of content as { type?: unknown; text?: unknown }[]) {
    if (part.type !== "text" || typeof part.text !== "string") return null;
    text += (text ? "\n" : "") + part.text;
  }
  return text;
}
