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

export interface GpuProfile {
  readonly name: ProfileName;
  /** Prefill time for one prompt by prompt length, ascending tokens. */
  readonly prefill: readonly Sample[];
  /** Decode step rows, ascending ctx. The first row must have the widest batch range. */
  readonly decode: readonly DecodeRow[];
}

export const LLAMA_1_5B: GpuProfile = {
  name: "llama-1.5b",
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

export const LLAMA_8B: GpuProfile = {
  name: "llama-8b",
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
