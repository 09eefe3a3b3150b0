// Screens usage records before they are charged. A record comes from our own
// isolates, but one that cannot be charged (a field of the wrong type, a
// price that is not a finite number) must be set aside with a log line, never
// make its whole batch fail: a failed batch is retried, and the records
// behind it would wait forever.
import { PROMPT_CLASSES } from "../vocabulary/prompt-classes";
import type { UsageRecord } from "./usage-record";

const CACHE_STATES: readonly string[] = ["miss", "hit-exact", "hit-semantic", "coalesced", "bypass"];
/** Ids and names longer than this are not ours. */
const MAX_TEXT = 512;

export interface SetAside {
  id: string;
  reason: string;
}

const text = (v: unknown, max = MAX_TEXT): v is string => typeof v === "string" && v.length > 0 && v.length <= max;
const count = (v: unknown): v is number => typeof v === "number" && Number.isFinite(v) && v >= 0;
const price = (v: unknown): boolean => typeof v === "number" && Number.isFinite(v) && v >= 0;
const unit = (v: unknown): boolean => typeof v === "number" && v >= -1 && v <= 1;

function shadowProblem(v: unknown): boolean {
  if (typeof v !== "object" || v === null) return true;
  const s = v as Record<string, unknown>;
  return !["agree", "disagree", "none"].includes(s.verdict as string) || !unit(s.answer_similarity) || (s.hit_similarity !== null && !unit(s.hit_similarity));
}

/** Why a record cannot be charged, or null when it can. */
export function usageRecordProblem(r: unknown): string | null {
  if (typeof r !== "object" || r === null || Array.isArray(r)) return "not an object";
  const u = r as Record<string, unknown>;
  if (!text(u.id, 128)) return "id";
  if (typeof u.request_id !== "string" || u.request_id.length > MAX_TEXT) return "request_id";
  if (!text(u.key_id)) return "key_id";
  if (!text(u.model)) return "model";
  if (u.origin !== null && !text(u.origin)) return "origin";
  if (!text(u.region)) return "region";
  if (!count(u.input_tokens) || !count(u.output_tokens)) return "tokens";
  if (typeof u.cache !== "string" || !CACHE_STATES.includes(u.cache)) return "cache";
  if (typeof u.stream !== "boolean") return "stream";
  if (typeof u.at !== "number" || !Number.isFinite(u.at)) return "at";
  if (u.list_price !== null) {
    const p = u.list_price as Record<string, unknown> | undefined;
    if (typeof p !== "object" || !price(p.input_per_m) || !price(p.output_per_m)) return "list_price";
  }
  if (u.batch !== undefined && u.batch !== true) return "batch";
  if (u.batch_id !== undefined && (u.batch !== true || !text(u.batch_id, 128))) return "batch_id";
  if (u.generates !== undefined && typeof u.generates !== "boolean") return "generates";
  if (u.error_finish !== undefined && typeof u.error_finish !== "boolean") return "error_finish";
  if (u.schema !== undefined && u.schema !== "valid" && u.schema !== "invalid" && u.schema !== "unchecked") return "schema";
  if (u.auto_class !== undefined && !(PROMPT_CLASSES as readonly unknown[]).includes(u.auto_class)) return "auto_class";
  if (u.cache_key !== undefined && !text(u.cache_key, 128)) return "cache_key";
  if (u.cache_similarity !== undefined && !unit(u.cache_similarity)) return "cache_similarity";
  if (u.shadow !== undefined && shadowProblem(u.shadow)) return "shadow";
  return null;
}

/** Splits a batch into the records that can be charged and those set aside (with why). */
export function screenUsage(batch: readonly unknown[]): { records: UsageRecord[]; setAside: SetAside[] } {
  const records: UsageRecord[] = [];
  const setAside: SetAside[] = [];
  for (const r of batch) {
    const problem = usageRecordProblem(r);
    if (problem === null) records.push(r as UsageRecord);
    else setAside.push({ id: idOf(r), reason: `bad ${problem}` });
  }
  return { records, setAside };
}

function idOf(r: unknown): string {
  const id = typeof r === "object" && r !== null ? (r as { id?: unknown }).id : undefined;
  return typeof id === "string" ? id.slice(0, 128) : "(none)";
}
