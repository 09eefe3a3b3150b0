// The input file of a batch: JSON Lines, one request a line, as OpenAI's
// Batch API takes it. Every line is checked at upload, so a batch never
// starts on a file it cannot finish reading.
import { own } from "../own";

/** The endpoints a batch may call, as a line's `url` names them. */
export const BATCH_ENDPOINTS = ["/v1/chat/completions", "/v1/embeddings"] as const;
export type BatchEndpoint = (typeof BATCH_ENDPOINTS)[number];

export interface BatchLine {
  custom_id: string;
  method: "POST";
  url: BatchEndpoint;
  body: Record<string, unknown>;
}

export type ParseResult = { ok: true; lines: BatchLine[] } | { ok: false; line: number; message: string };

/** custom_id: what OpenAI allows in length, printable (it is echoed in files that others parse line by line). */
const MAX_CUSTOM_ID = 512;
// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u001f\u007f]/;

export function parseBatchFile(text: string, maxLines: number): ParseResult {
  const lines: BatchLine[] = [];
  const seen = new Set<string>();
  const raw = text.split("\n");
  for (let i = 0; i < raw.length; i++) {
    const number = i + 1;
    const row = raw[i]!.endsWith("\r") ? raw[i]!.slice(0, -1) : raw[i]!;
    if (row.trim() === "") continue; // blank lines (and the final newline) carry nothing
    if (lines.length >= maxLines) return fail(number, `The file has more than ${maxLines} requests.`);
    let value: unknown;
    try {
      value = JSON.parse(row);
    } catch {
      return fail(number, "Line is not valid JSON.");
    }
    const checked = checkLine(value);
    if (typeof checked === "string") return fail(number, checked);
    if (seen.has(checked.custom_id)) return fail(number, `Duplicate custom_id '${printable(checked.custom_id)}': each request needs its own.`);
    seen.add(checked.custom_id);
    lines.push(checked);
  }
  if (lines.length === 0) return fail(1, "The file has no requests.");
  return { ok: true, lines };
}

function checkLine(value: unknown): BatchLine | string {
  if (typeof value !== "object" || value === null || Array.isArray(value)) return "Line must be a JSON object.";
  const o = value as Record<string, unknown>;
  const customId = own(o, "custom_id");
  if (typeof customId !== "string" || customId.length === 0) return "custom_id must be a non-empty string.";
  if (customId.length > MAX_CUSTOM_ID) return `custom_id is longer than ${MAX_CUSTOM_ID} characters.`;
  if (CONTROL.test(customId)) return "custom_id must not contain control characters (CR, LF, tab, ...).";
  if (own(o, "method") !== "POST") return "method must be POST.";
  const url = own(o, "url");
  if (typeof url !== "string" || !(BATCH_ENDPOINTS as readonly string[]).includes(url)) return `url must be one of ${BATCH_ENDPOINTS.join(", ")}.`;
  const body = own(o, "body");
  if (typeof body !== "object" || body === null || Array.isArray(body)) return "body must be a JSON object.";
  if (own(body as Record<string, unknown>, "stream") === true) return "body.stream must not be true: batch answers are not streamed.";
  return { custom_id: customId, method: "POST", url: url as BatchEndpoint, body: body as Record<string, unknown> };
}

const fail = (line: number, message: string): ParseResult => ({ ok: false, line, message });

/** A client's value as an error may quote it: short, printable ASCII only. */
export const printable = (v: string): string => v.slice(0, 64).replace(/[^\x20-\x7e]/g, "?");
