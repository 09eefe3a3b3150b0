// GPU timing profiles for the imitation origins.
//
// Source: Meridian's H100 measurements, 2026-11-27 (shared/data/gpu).
// One NVIDIA H100, bf16, batch-1 prefill, CUDA-graph decode; medians in ms.
// The fleet replays these numbers so that routing decisions (TTFT, per-token
// latency, batch pressure) are tested against realistic ratios, not guesses.

export type ProfileName = "llama-1.5b" | "llama-8b";

/** [x, milliseconds] sample; x is prompt tokens (prefill) or batch size (decode). */
export type Sample = readonly [number, number];

export interface DecodeRow {
  /** Context length (prompt + generated tokens) the row was measured at. */
  readonly ctx: number;
  /** Decode step time by batch size, ascending batch. */
  readonly byBatch: readonly Sample[];
}

/**
 * What sizes the KV cache: the model's shape and the GPU's memory. vLLM gives
 * the KV cache what is left of `gpuGiB x utilisation` once the weights (and
 * the activation peak it profiles at start-up) are loaded.
 */
export interface KvFacts {
  /** 2 (K and V) x layers x KV heads x head dim x bytes per value. */
  readonly bytesPerToken: number;
  readonly gpuGiB: number;
  /** vLLM --gpu-memory-utilization (default 0.9). */
  readonly utilisation: number;
  /** Weights plus the activation peak, GiB. */
  readonly reservedGiB: number;
}

export interface GpuProfile {
  readonly name: ProfileName;
  readonly kv: KvFacts;
  /** Prefill time for one prompt by prompt length, ascending tokens. */
  readonly prefill: readonly Sample[];
  /** Decode step rows, ascending ctx. The first row must have the widest batch range. */
  readonly decode: readonly DecodeRow[];
}

// Tokens per KV block (vLLM's default --block-size): the unit of prefix caching.
export const BLOCK_TOKENS = 16;

// A Llama-shaped 1.5B (the shape of Qwen2.5-1.5B: 28 layers, 2 KV heads of 128):
//   2 (K,V) x 28 layers x 2 KV heads x 128 head dim x 2 bytes (bf16) = 28 KiB per token.
// H100 80 GB: 80 GiB x 0.9 = 72 GiB, minus ~3 GiB of weights (1.54B x 2 bytes) and
// ~1 GiB of activation peak leaves 68 GiB = 2,546,541 tokens = 159,158 blocks of 16.
export const LLAMA_1_5B: GpuProfile = {
  name: "llama-1.5b",
  kv: { bytesPerToken: 2 * 28 * 2 * 128 * 2, gpuGiB: 80, utilisation: 0.9, reservedGiB: 4 },
  prefill: [
    [128, 5.06],
    [512, 4.92],
    [2048, 8.954],
    [8192, 42.028],
  ],
  decode: [
    { ctx: 1024, byBatch: [[1, 1.475], [8, 1.632], [32, 1.879], [128, 3.096]] },
    { ctx: 4096, byBatch: [[1, 1.524], [8, 1.881], [32, 2.882]] },
  ],
};

// Llama-3-8B: 2 (K,V) x 32 layers x 8 KV heads x 128 head dim x 2 bytes = 128 KiB per token.
// H100 80 GB: 80 GiB x 0.9 = 72 GiB, minus ~16 GiB of weights (8.03B x 2 bytes = 15 GiB)
// and activation peak leaves 56 GiB = 458,752 tokens = 28,672 blocks of 16.
export const LLAMA_8B: GpuProfile = {
  name: "llama-8b",
  kv: { bytesPerToken: 2 * 32 * 8 * 128 * 2, gpuGiB: 80, utilisation: 0.9, reservedGiB: 16 },
  prefill: [
    [128, 10.226],
    [512, 14.148],
    [2048, 53.345],
    [8192, 237.811],
  ],
  decode: [
    { ctx: 1024, byBatch: [[1, 6.516], [8, 7.006], [32, 7.982], [128, 12.857]] },
    { ctx: 4096, byBatch: [[1, 6.705], [8, 8.031], [32, 11.99]] },
  ],
};

export const PROFILES: Readonly<Record<ProfileName, GpuProfile>> = {
  "llama-1.5b": LLAMA_1_5B,
  "llama-8b": LLAMA_8B,
};

export function isProfileName(s: string): s is ProfileName {
  return s === "llama-1.5b" || s === "llama-8b";
}

/** KV-cache capacity in tokens: what vLLM would report as "GPU KV cache size". */
export function kvTokens(kv: KvFacts): number {
  const free = (kv.gpuGiB * kv.utilisation - kv.reservedGiB) * 2 ** 30;
  return free > 0 ? Math.floor(free / kv.bytesPerToken) : 0;
}

/** KV-cache capacity in blocks of BLOCK_TOKENS. */
export function kvBlocks(kv: KvFacts): number {
  return Math.floor(kvTokens(kv) / BLOCK_TOKENS);
}

/** The default KV capacity, in blocks, of one GPU serving this profile's model. */
export function profileKvBlocks(p: GpuProfile | ProfileName): number {
  return kvBlocks((typeof p === "string" ? PROFILES[p] : p).kv);
}

/** An explicit KV capacity (blocks), or the profile's; a bad one fails fast rather than at the first request. */
export function kvBlocksOption(kvBlocks: number | undefined, p: GpuProfile | ProfileName): number {
  if (kvBlocks === undefined) return profileKvBlocks(p);
  if (!Number.isInteger(kvBlocks) || kvBlocks < 1 || kvBlocks > 2 ** 30) {
    throw new RangeError(`kvBlocks must be an integer in [1, 2^30], got ${kvBlocks}`);
  }
  return kvBlocks;
}
