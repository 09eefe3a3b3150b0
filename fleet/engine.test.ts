import { performance } from "node:perf_hooks";
import { describe, expect, it } from "vitest";
import { Engine, type SequenceSpec } from "./engine";
import { decodeStepMs, prefillMs } from "./timing";

const SPEED = 20;

interface Trace {
  /** When each token's callback ran (real time). */
  times: number[];
  /** When each token was produced on the engine's virtual clock. */
  at: number[];
  done: Promise<number[]>;
}

function submit(e: Engine, promptTokens: number, outputTokens: number, blocks?: readonly string[]): Trace & { cancel(): void; cached(): number } {
  const times: number[] = [];
  const at: number[] = [];
  let resolve!: (t: number[]) => void;
  const done = new Promise<number[]>((r) => (resolve = r));
  const spec: SequenceSpec = {
    promptTokens,
    blocks,
    outputTokens,
    onToken: (i, virtualAt) => {
      // No expect() here: it is slow enough to distort sub-millisecond steps.
      if (i !== times.length) throw new Error(`token ${i} out of order`);
      times.push(performance.now());
      at.push(virtualAt);
    },
    onDone: () => resolve(times),
  };
  const h = e.submit(spec);
  return { times, at, done, cancel: () => h.cancel(), cached: () => h.cachedTokens };
}

/** Block ids of a prompt of `tokens` tokens whose content is named `tag`. */
const blocksOf = (tag: string, tokens: number): string[] => Array.from({ length: Math.floor(tokens / 16) }, (_, i) => `${tag}/${i}`);

/** TTFT on the engine's virtual clock of one prompt run alone. */
async function soloTtft(e: Engine, tokens: number, blocks: readonly string[]): Promise<{ ttft: number; cached: number }> {
  const t0 = performance.now();
  const t = submit(e, tokens, 2, blocks);
  await t.done;
  return { ttft: t.at[0]! - t0, cached: t.cached() };
}

/** Mean time per token over the tokens after `from`. */
function meanItl(times: readonly number[], from: number): number {
  const ts = times.filter((t) => t >= from);
  return (ts[ts.length - 1]! - ts[0]!) / (ts.length - 1);
}

describe("Engine", () => {
  it("emits every token once, in order, then finishes", async () => {
    const e = new Engine({ profile: "llama-1.5b", speed: SPEED });
    const t0 = performance.now();
    const trace = submit(e, 10, 25);
    const times = await trace.done;
    expect(times).toHaveLength(25);
    // On the virtual clock the pace is exactly the model's: the prefill, then one decode
    // step per token, its context one longer each time (11 after a 10-token prompt).
    const prefill = prefillMs("llama-1.5b", 10, SPEED);
    let decode = 0;
    for (let k = 0; k < 24; k++) decode += decodeStepMs("llama-1.5b", 1, 11 + k, SPEED);
    expect(trace.at[0]! - t0).toBeGreaterThanOrEqual(prefill);
    expect(trace.at[24]! - trace.at[0]!).toBeCloseTo(decode, 6);
    // Real callbacks are never early; how late they are is the machine's business.
    times.forEach((t, i) => expect(t, `token ${i}`).toBeGreaterThanOrEqual(trace.at[i]!));
    expect(e.inFlight).toBe(0);
  });

  it("serializes prefill: the n-th of a burst waits for n prefills", async () => {
    const e = new Engine({ profile: "llama-8b", speed: SPEED });
    const t0 = performance.now();
    const traces = Array.from({ length: 8 }, () => submit(e, 4096, 2));
    expect(e.queued).toBe(7); // the first one is already being prefilled
    expect(e.running).toBe(1);
    await Promise.all(traces.map((t) => t.done));
    const ttft = traces.map((t) => t.times[0]! - t0);
    const p = prefillMs("llama-8b", 4096, SPEED);
    for (let i = 1; i < ttft.length; i++) expect(ttft[i]).toBeGreaterThan(ttft[i - 1]!);
    expect(ttft[7]).toBeGreaterThanOrEqual(8 * p * 0.95);
  });

  it("per-token time grows slowly with batch size", async () => {
    const solo = new Engine({ profile: "llama-8b", speed: SPEED });
    // Measured on the virtual clock, so a busy machine's late timers do not skew the ratio.
    const oneTrace = submit(solo, 3000, 120);
    await oneTrace.done;
    const one = oneTrace.at;
    const itl1 = meanItl(one, one[0]!);

    const e = new Engine({ profile: "llama-8b", speed: SPEED });
    const traces = Array.from({ length: 32 }, () => submit(e, 3000, 120));
    await Promise.all(traces.map((t) => t.done));
    // Only count steps after everyone joined the batch.
    const joined = Math.max(...traces.map((t) => t.at[0]!));
    const itl32 = meanItl(traces[0]!.at, joined);

    expect(itl1).toBeCloseTo(decodeStepMs("llama-8b", 1, 3060, SPEED), 1);
    expect(itl32 / itl1).toBeGreaterThan(1.2);
    expect(itl32 / itl1).toBeLessThan(2.5); // 32x the work in well under 2.5x the time
  });

  it("caps the decode batch; the rest wait in the queue", async () => {
    const e = new Engine({ profile: "llama-1.5b", speed: SPEED, maxBatch: 4 });
    const traces = Array.from({ length: 6 }, () => submit(e, 10, 1000));
    await new Promise((r) => setTimeout(r, 20));
    expect(e.running).toBe(4);
    expect(e.queued).toBe(2);
    expect(traces.map((t) => t.times.length > 0)).toEqual([true, true, true, true, false, false]);
    traces[0]!.cancel(); // frees a slot: the 5th joins at the next step
    await new Promise((r) => setTimeout(r, 10));
    expect(e.running).toBe(4);
    expect(e.queued).toBe(1);
    expect(traces[4]!.times.length).toBeGreaterThan(0);
    for (const t of traces) t.cancel();
    expect(e.inFlight).toBe(0);
  });

  it("cancel removes queued, prefilling and decoding sequences", async () => {
    const e = new Engine({ profile: "llama-8b", speed: SPEED });
    const a = submit(e, 100, 1000);
    const b = submit(e, 100, 1000);
    const c = submit(e, 100, 1000);
    expect([e.running, e.queued]).toEqual([1, 2]);
    c.cancel();
    a.cancel(); // while prefilling
    expect([e.running, e.queued]).toEqual([0, 1]);
    await new Promise((r) => setTimeout(r, 10));
    expect(b.times.length).toBeGreaterThan(0);
    b.cancel(); // while decoding
    b.cancel(); // idempotent
    expect(e.inFlight).toBe(0);
    const n = b.times.length;
    await new Promise((r) => setTimeout(r, 10));
    expect(b.times.length).toBe(n);
    expect(a.times).toHaveLength(0);
    expect(c.times).toHaveLength(0);
  });

  it("prefill-only sequences (embeddings) finish after prefill; callbacks may cancel others", async () => {
    const e = new Engine({ profile: "llama-1.5b", speed: SPEED });
    await new Promise<void>((resolve) => e.submit({ promptTokens: 50, outputTokens: 0, onDone: resolve }));
    const victim = submit(e, 1, 1000);
    const killer = e.submit({ promptTokens: 1, outputTokens: 3, onToken: () => victim.cancel() });
    await new Promise((r) => setTimeout(r, 20));
    expect(e.inFlight).toBe(0);
    killer.cancel();
    e.close();
    expect(() => e.submit({ promptTokens: 1, outputTokens: 1 })).toThrow();
  });

  it("a repeated prompt hits the prefix cache: only the uncached suffix is prefilled", async () => {
    const e = new Engine({ profile: "llama-8b", speed: SPEED });
    const blocks = blocksOf("doc", 4000);
    const cold = await soloTtft(e, 4000, blocks);
    const warm = await soloTtft(e, 4000, blocks);
    expect(cold.cached).toBe(0);
    expect(warm.cached).toBe(3984); // 249 whole blocks; the last 16 tokens are computed again
    expect(cold.ttft).toBeGreaterThanOrEqual(prefillMs("llama-8b", 4000, SPEED));
    // The warm prefill is the 16-token suffix: the clamped minimum, a twelfth of the cold one.
    expect(warm.ttft).toBeLessThan(cold.ttft / 4);
    // A prompt sharing the first 2000 tokens reuses them.
    const half = await soloTtft(e, 4000, [...blocks.slice(0, 125), ...blocksOf("other", 2000)]);
    expect(half.cached).toBe(2000);
    expect(e.load()).toMatchObject({ prefixQueriedTokens: 12000, prefixHitTokens: 3984 + 2000 });
  });

  it("an evicted prompt is prefilled in full again", async () => {
    const e = new Engine({ profile: "llama-8b", speed: SPEED, kvBlocks: 300 });
    const a = blocksOf("a", 4000); // 250 blocks
    await soloTtft(e, 4000, a);
    await soloTtft(e, 4000, blocksOf("b", 4000)); // pushes most of a out
    const again = await soloTtft(e, 4000, a);
    expect(again.cached).toBe(50 * 16); // the 50 most recent blocks of a: its head
    const e2 = new Engine({ profile: "llama-8b", speed: SPEED, kvBlocks: 250 });
    await soloTtft(e2, 4000, a);
    await soloTtft(e2, 4000, blocksOf("b", 4000));
    const evicted = await soloTtft(e2, 4000, a);
    expect(evicted.cached).toBe(0);
    expect(evicted.ttft).toBeGreaterThanOrEqual(prefillMs("llama-8b", 4000, SPEED));
  });

  it("a prompt whose client left during prefill still fills the cache", async () => {
    const e = new Engine({ profile: "llama-8b", speed: SPEED });
    const blocks = blocksOf("gone", 2000);
    const t = submit(e, 2000, 5, blocks);
    t.cancel();
    await new Promise((r) => setTimeout(r, 3 * prefillMs("llama-8b", 2000, SPEED) + 5));
    expect((await soloTtft(e, 2000, blocks)).cached).toBe(1984);
  });

  it("load: waiting, running, KV use of the running sequences", async () => {
    const e = new Engine({ profile: "llama-8b", speed: SPEED, kvBlocks: 1000 }); // 16,000 tokens
    expect(e.load()).toEqual({ waiting: 0, running: 0, kvUsage: 0, prefixQueriedTokens: 0, prefixHitTokens: 0, recentHitRate: 0 });
    const traces = Array.from({ length: 3 }, (_, i) => submit(e, 4000, 1000, blocksOf(`p${i}`, 4000)));
    const l0 = e.load();
    expect([l0.waiting, l0.running]).toEqual([2, 1]);
    expect(l0.kvUsage).toBeCloseTo(0.25, 6); // the prompt being prefilled holds its KV
    while (traces.some((t) => t.times.length === 0)) await new Promise((r) => setTimeout(r, 2));
    const l1 = e.load();
    expect([l1.waiting, l1.running]).toEqual([0, 3]);
    expect(l1.kvUsage).toBeGreaterThan(0.75);
    expect(l1.kvUsage).toBeLessThan(0.8);
    for (const t of traces) t.cancel();
    expect(e.load().kvUsage).toBe(0);
    // Over capacity, the reported use is capped at 1, as an engine's would be.
    const small = new Engine({ profile: "llama-8b", speed: SPEED, kvBlocks: 10 });
    submit(small, 4000, 10);
    expect(small.load().kvUsage).toBe(1);
    small.close();
  });
});
