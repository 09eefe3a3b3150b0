// The semantic index in KV. KV has no vector search, so similarity becomes
// exact lookups: each SimHash band of a prompt's fingerprint is a key holding
// the few newest entries that fell in that band; a lookup reads every band
// of the new prompt, gathers those entries' fingerprints and verifies them.
import { TtlCache } from "../http/ttl-cache";
import type { PromptFingerprint } from "./fingerprint";
import { bands } from "./lsh";
import { DEFAULT_THRESHOLD, verify } from "./similarity";
import { TieredStore } from "./tiered-store";

type WaitUntil = (p: Promise<unknown>) => void;

/** What the index keeps of an answered prompt: its fingerprint and where its answer is. */
interface SemanticRecord {
  key: string;
  vector: number[];
  signature: [number, number];
  salient: number[];
  /** The word sketch (./word-sketch.ts) as plain arrays; a record without one never verifies. */
  sketch?: { tokens: number; words: number[]; order: number[]; functionWords: number[]; directed: number[]; directedReversed: number[]; bigrams: number[]; marks: number[] };
}

export interface SemanticMatch {
  /** The exact-cache key of the matching answer. */
  key: string;
  similarity: number;
}

/** Band lists change as entries arrive, so isolates hold them only briefly. */
const bandLists = new TieredStore<string[]>("band", 5_000, 5_000);
const records = new TieredStore<SemanticRecord>("sem", 2_000, 60_000);
/** Newest entries per band. */
const BAND_CAPACITY = 8;
/** At most this many candidates are verified per lookup. */
const MAX_CANDIDATES = 24;
/**
 * KV takes about one write per second per key. Writes to a band this isolate
 * wrote less than this long ago are merged and sent once the gap has passed,
 * so a burst of entries in one band costs one KV write, and none is dropped.
 */
const BAND_WRITE_GAP_MS = 1_500;
const lastBandWrite = new TtlCache<number>(10_000);
const pendingBandIds = new Map<string, string[]>();

/** For the isolate read-out: this isolate's parts of the semantic index. */
export function semanticSizes() {
  return { bandLists: bandLists.memorySize(), records: records.memorySize(), bandWriteTimes: { size: lastBandWrite.size, bound: lastBandWrite.bound }, pendingBandWrites: pendingBandIds.size };
}

const bandKeys = (prefixKey: string, fp: PromptFingerprint) => bands(fp.signature).map((band) => `${prefixKey}:${band}`);

/** The best verified near-duplicate under the same conversation prefix, or null. */
export async function findSimilar(
  kv: KVNamespace,
  prefixKey: string,
  fp: PromptFingerprint,
  threshold: number | undefined,
  waitUntil: WaitUntil,
): Promise<SemanticMatch | null> {
  if (fp.known === 0) return null;
  const lists = await Promise.all(bandKeys(prefixKey, fp).map((k) => bandLists.get(kv, k, waitUntil)));
  const ids = [...new Set(lists.flatMap((list) => list ?? []))].slice(0, MAX_CANDIDATES);
  if (ids.length === 0) return null;
  const candidates = await Promise.all(ids.map((id) => records.get(kv, id, waitUntil)));
  let best: SemanticMatch | null = null;
  for (const record of candidates) {
    if (!record) continue;
    const verdict = verify(fp, decoded(record), threshold ?? DEFAULT_THRESHOLD);
    if (verdict.hit && (!best || verdict.similarity > best.similarity)) best = { key: record.key, similarity: verdict.similarity };
  }
  return best;
}

/** Indexes an answered prompt so later near-duplicates can find its answer. */
export async function index(kv: KVNamespace, prefixKey: string, fp: PromptFingerprint, key: string, ttlS: number, waitUntil: WaitUntil): Promise<void> {
  if (fp.known === 0) return;
  await records.put(kv, key, toRecord(key, fp), ttlS);
  await Promise.all(bandKeys(prefixKey, fp).map((bandKey) => addToBand(kv, bandKey, key, ttlS, waitUntil)));
}

async function addToBand(kv: KVNamespace, bandKey: string, id: string, ttlS: number, waitUntil: WaitUntil): Promise<void> {
  const pending = pendingBandIds.get(bandKey);
  if (pending) {
    // A write is already scheduled: join it, and be findable here at once.
    pending.unshift(id);
    const current = (await bandLists.get(kv, bandKey, waitUntil)) ?? [];
    bandLists.remember(bandKey, merge(pending, current), ttlS);
    return;
  }
  const wait = (lastBandWrite.get(bandKey) ?? 0) + BAND_WRITE_GAP_MS - Date.now();
  if (wait <= 0) return writeBand(kv, bandKey, [id], ttlS, waitUntil);
  pendingBandIds.set(bandKey, [id]);
  const current = (await bandLists.get(kv, bandKey, waitUntil)) ?? [];
  bandLists.remember(bandKey, merge([id], current), ttlS);
  waitUntil(
    new Promise((resolve) => setTimeout(resolve, wait)).then(() => {
      const ids = pendingBandIds.get(bandKey) ?? [];
      pendingBandIds.delete(bandKey);
      return writeBand(kv, bandKey, ids, ttlS, waitUntil);
    }),
  );
}

async function writeBand(kv: KVNamespace, bandKey: string, ids: string[], ttlS: number, waitUntil: WaitUntil): Promise<void> {
  lastBandWrite.set(bandKey, Date.now(), 10 * BAND_WRITE_GAP_MS);
  const current = (await bandLists.get(kv, bandKey, waitUntil)) ?? [];
  await bandLists.put(kv, bandKey, merge(ids, current), ttlS);
}

/** Newest first, no repeats, bounded. */
function merge(newest: string[], current: string[]): string[] {
  return [...new Set([...newest, ...current])].slice(0, BAND_CAPACITY);
}

/**
 * A record's fingerprint, decoded once per record the isolate holds: the same
 * candidates come up lookup after lookup, and decoding one is most of what
 * verifying it costs. Held weakly, so it goes when the memory tier drops the record.
 */
const fingerprints = new WeakMap<SemanticRecord, PromptFingerprint>();
function decoded(record: SemanticRecord): PromptFingerprint {
  let fp = fingerprints.get(record);
  if (!fp) fingerprints.set(record, (fp = fromRecord(record)));
  return fp;
}

export function toRecord(key: string, fp: PromptFingerprint): SemanticRecord {
  const s = fp.sketch;
  return {
    key,
    vector: Array.from(fp.vector, (x) => Math.round(x * 1e5) / 1e5),
    signature: fp.signature,
    salient: Array.from(fp.salient),
    ...(s && { sketch: { tokens: s.tokens, words: Array.from(s.words), order: Array.from(s.order), functionWords: Array.from(s.functionWords), directed: Array.from(s.directed), directedReversed: Array.from(s.directedReversed), bigrams: Array.from(s.bigrams), marks: Array.from(s.marks) } }),
  };
}

export function fromRecord(r: SemanticRecord): PromptFingerprint {
  const s = r.sketch;
  return {
    vector: Float32Array.from(r.vector),
    signature: r.signature,
    salient: Uint32Array.from(r.salient),
    tokens: r.vector.length,
    known: 1,
    ...(s && {
      sketch: {
        tokens: s.tokens,
        words: Uint32Array.from(s.words),
        order: Uint16Array.from(s.order),
        functionWords: Uint32Array.from(s.functionWords),
        directed: Uint32Array.from(s.directed),
        directedReversed: Uint32Array.from(s.directedReversed),
        bigrams: Uint32Array.from(s.bigrams),
        marks: Uint32Array.from(s.marks),
      },
    }),
  };
}
