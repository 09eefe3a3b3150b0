// Reading labelled prompt pairs: our JSONL format and the STS benchmark's
// tab-separated files. Pure functions over text; the caller reads the files.

export interface LabelledPair {
  a: string;
  b: string;
  duplicate: boolean;
  /** What makes the pair hard (`number`, `entity`, … or a duplicate's kind); "" when unknown. */
  kind: string;
  /** The pair's id in its source ("<split>:<id>" for public sets), when it has one: the split rule (./split.ts) hashes it. */
  id?: string;
}

export interface ParseResult {
  pairs: LabelledPair[];
  /** One message per line that was skipped, with its 1-based line number. */
  errors: string[];
}

/**
 * `{"a","b","duplicate"[,"kind"]}` per line; blank lines and `#` comments are skipped.
 * The shared paraphrase sets' extra fields are read too: `source` is the kind when
 * there is none, and `id` (prefixed "<split>:" when there is a split) the pair's id.
 */
export function parsePairsJsonl(text: string): ParseResult {
  const pairs: LabelledPair[] = [];
  const errors: string[] = [];
  text.split(/\r?\n/).forEach((raw, i) => {
    const line = raw.trim();
    if (line === "" || line.startsWith("#")) return;
    let value: unknown;
    try {
      value = JSON.parse(line);
    } catch {
      errors.push(`line ${i + 1}: not JSON`);
      return;
    }
    if (value === null || typeof value !== "object" || Array.isArray(value)) {
      errors.push(`line ${i + 1}: not an object`);
      return;
    }
    const o = value as Record<string, unknown>;
    if (typeof o.a !== "string" || typeof o.b !== "string") {
      errors.push(`line ${i + 1}: "a" and "b" must be strings`);
      return;
    }
    if (typeof o.duplicate !== "boolean") {
      errors.push(`line ${i + 1}: "duplicate" must be true or false`);
      return;
    }
    const kind = typeof o.kind === "string" ? o.kind : typeof o.source === "string" ? o.source : "";
    const id = typeof o.id === "string" || (typeof o.id === "number" && Number.isFinite(o.id)) ? String(o.id) : "";
    const split = typeof o.split === "string" ? `${o.split}:` : "";
    pairs.push({ a: o.a, b: o.b, duplicate: o.duplicate, kind, ...(id ? { id: split + id } : {}) });
  });
  return { pairs, errors };
}

/** Gold scores at or above this count as duplicates. */
export const STSB_DUPLICATE_MIN = 4;
/** Gold scores at or below this count as different; scores in between are left out. */
export const STSB_DIFFERENT_MAX = 3;

/** The binary view of an STS gold score (0–5): true, false, or null for the ambiguous middle. */
export function stsbLabel(gold: number): boolean | null {
  if (!Number.isFinite(gold) || gold < 0 || gold > 5) return null;
  if (gold >= STSB_DUPLICATE_MIN) return true;
  if (gold <= STSB_DIFFERENT_MAX) return false;
  return null;
}

export interface StsbParse extends ParseResult {
  /** Well-formed lines whose score fell between the two cut-offs. */
  ambiguous: number;
}

/**
 * STS-B lines: genre, source, year, id, gold, sentence 1, sentence 2, then
 * possibly more tab-separated fields (ignored). Lines with fewer than 7 fields,
 * a score that is not a number in 0–5, or an empty sentence are skipped. The
 * kind of each pair is its genre (`main-captions`, `main-news`, `main-forums`).
 */
export function parseStsb(text: string): StsbParse {
  const pairs: LabelledPair[] = [];
  const errors: string[] = [];
  let ambiguous = 0;
  text.split(/\r?\n/).forEach((raw, i) => {
    if (raw.trim() === "") return;
    const f = raw.split("\t");
    if (f.length < 7) {
      errors.push(`line ${i + 1}: ${f.length} fields, need 7`);
      return;
    }
    const goldText = (f[4] ?? "").trim();
    const gold = goldText === "" ? NaN : Number(goldText);
    const a = (f[5] ?? "").trim();
    const b = (f[6] ?? "").trim();
    if (!Number.isFinite(gold) || gold < 0 || gold > 5) {
      errors.push(`line ${i + 1}: score ${JSON.stringify(goldText)} is not in 0–5`);
      return;
    }
    if (a === "" || b === "") {
      errors.push(`line ${i + 1}: empty sentence`);
      return;
    }
    const label = stsbLabel(gold);
    if (label === null) {
      ambiguous++;
      return;
    }
    pairs.push({ a, b, duplicate: label, kind: (f[0] ?? "").trim() || "stsb", id: f.slice(0, 4).map((x) => x.trim()).join(":") });
  });
  return { pairs, errors, ambiguous };
}
