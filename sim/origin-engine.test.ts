import { describe, expect, it } from "vitest";
import { profileKvBlocks } from "../fleet/gpu-profiles";
import { PrefixCache } from "../fleet/prefix-cache";
import { decodeStepMs, prefillMs } from "../fleet/timing";
import { EventQueue } from "./event-queue";
import { SimEngine, type EngineSpec } from "./origin-engine";
import { exponential, intBetween, logUniform, rng } from "./rng";

interface Trace {
  first: number;
  done: number;
  cached?: number;
}

interface Arrival {
  at: number;
  prompt: number;
  output: number;
  blocks?: readonly string[];
}

function track(q: EventQueue, e: SimEngine, promptTokens: number, outputTokens: number, blocks?: readonly string[]) {
  const trace: Trace = { first: Number.NaN, done: Number.NaN };
  const handle = e.submit({
    promptTokens,
    blocks,
    outputTokens,
    onFirstToken: (t, cached) => Object.assign(trace, { first: t, cached }),
    onDone: (t) => (trace.done = t),
  });
  return { trace, handle };
}

/** Block ids of a prompt of `tokens` tokens whose first `shared` tokens are prefix `tag`'s. */
function blocksOf(tag: string, tokens: number, shared = tokens, own = "own"): string[] {
  return Array.from({ length: Math.floor(tokens / 16) }, (_, i) => (i < Math.floor(shared / 16) ? `${tag}/${i}` : `${tag}/${own}/${i}`));
}

/**
 * The scheduler of fleet/engine.ts, one step at a time, with no shortcuts:
 * the reference the event-collapsing engine must match.
 */
function reference(spec: EngineSpec, arrivals: Arrival[]): Trace[] {
  const out = arrivals.map(() => ({ first: Number.NaN, done: Number.NaN, cached: 0 }));
  const cache = new PrefixCache(spec.kvBlocks ?? profileKvBlocks(spec.profile));
  const waiting: number[] = [];
  const running: { i: number; ctx: number; left: number }[] = [];
  let next = 0;
  let t = 0;
  while (next < arrivals.length || waiting.length > 0 || running.length > 0) {
    while (next < arrivals.length && arrivals[next]!.at <= t) waiting.push(next++);
    if (waiting.length === 0 && running.length === 0) {
      t = arrivals[next]!.at;
      continue;
    }
    let ms = 0;
    const prefill = running.length < spec.maxBatch ? waiting.shift() : undefined;
    if (prefill !== undefined) {
      const a = arrivals[prefill]!;
      out[prefill]!.cached = cache.query(a.blocks ?? [], a.prompt);
      ms += prefillMs(spec.profile, a.prompt - out[prefill]!.cached, spec.speed);
    }
    if (running.length > 0) {
      const ctx = running.reduce((s, r) => s + r.ctx, 0) / running.length;
      ms += decodeStepMs(spec.profile, running.length, ctx, spec.speed);
    }
    t += ms;
    for (const r of running) {
      r.ctx++;
      if (--r.left === 0) out[r.i]!.done = t;
    }
    for (let k = running.length - 1; k >= 0; k--) if (running[k]!.left === 0) running.splice(k, 1);
    if (prefill !== undefined) {
      const a = arrivals[prefill]!;
      if (a.blocks) cache.insert(a.blocks, Math.floor(a.prompt / 16));
      out[prefill]!.first = t;
      if (a.output <= 1) out[prefill]!.done = t;
      else running.push({ i: prefill, ctx: a.prompt + 1, left: a.output - 1 });
    }
  }
  return out;
}

describe("SimEngine", () => {
  const spec: EngineSpec = { profile: "llama-8b", speed: 1, maxBatch: 8 };

  it("one request: TTFT is its prefill, then one decode step per token", () => {
    const q = new EventQueue();
    const e = new SimEngine(q, spec);
    const { trace } = track(q, e, 1000, 4);
    q.run();
    const prefill = prefillMs("llama-8b", 1000);
    expect(trace.first).toBeCloseTo(prefill, 9);
    // Tokens 1..3 decode at context 1001..1003 (batch 1), as in fleet/engine.ts.
    const decode = [1, 2, 3].reduce((s, k) => s + decodeStepMs("llama-8b", 1, 1000 + k), 0);
    expect(trace.done).toBeCloseTo(prefill + decode, 9);
    expect(e.counters.completed).toBe(1);
  });

  it("prefill is serialized: the second prompt waits for the first step, then shares its step with a decode", () => {
    const q = new EventQueue();
    const e = new SimEngine(q, spec);
    const a = track(q, e, 2000, 100).trace;
    const b = track(q, e, 500, 100).trace;
    q.run();
    const pa = prefillMs("llama-8b", 2000);
    expect(a.first).toBeCloseTo(pa, 9);
    expect(b.first).toBeCloseTo(pa + prefillMs("llama-8b", 500) + decodeStepMs("llama-8b", 1, 2001), 9);
  });

  it("a full batch makes prompts wait for a sequence to finish", () => {
    const q = new EventQueue();
    const e = new SimEngine(q, { ...spec, maxBatch: 1 });
    const a = track(q, e, 100, 10).trace;
    const b = track(q, e, 100, 10).trace;
    q.run();
    expect(b.first).toBeGreaterThan(a.done);
    expect(b.first).toBeCloseTo(a.done + prefillMs("llama-8b", 100), 9);
  });

  it("speed and slowdown divide and multiply every step", () => {
    const times = (speed: number, slowdown: number) => {
      const q = new EventQueue();
      const e = new SimEngine(q, { ...spec, speed });
      if (slowdown !== 1) e.setSlowdown(slowdown);
      const { trace } = track(q, e, 1500, 50);
      q.run();
      return trace;
    };
    const base = times(1, 1);
    expect(times(2, 1).done).toBeCloseTo(base.done / 2, 6);
    expect(times(1, 4).first).toBeCloseTo(base.first * 4, 6);
    expect(times(1, 4).done).toBeCloseTo(base.done * 4, 6);
  });

  it("a slowdown mid-stream applies from the next step on", () => {
    const q = new EventQueue();
    const e = new SimEngine(q, spec);
    const { trace } = track(q, e, 100, 1000);
    const prefill = prefillMs("llama-8b", 100);
    const step = decodeStepMs("llama-8b", 1, 600);
    q.at(prefill + 499.5 * step, () => e.setSlowdown(4));
    q.run();
    // About 500 tokens at normal speed, the other ~500 four times slower.
    const expected = prefill + 500 * step + 499 * 4 * step;
    expect(trace.done / expected).toBeGreaterThan(0.99);
    expect(trace.done / expected).toBeLessThan(1.01);
  });

  it("matches the step-by-step scheduler exactly under random load", () => {
    const random = rng(7, "engine-test");
    const arrivals: { at: number; prompt: number; output: number }[] = [];
    let t = 0;
    for (let i = 0; i < 400; i++) {
      t += exponential(random, 1000 / 14); // around the knee of 8 slots
      arrivals.push({ at: t, prompt: Math.round(logUniform(random, 100, 4000)), output: intBetween(random, 1, 300) });
    }
    const want = reference(spec, arrivals);
    const q = new EventQueue();
    const e = new SimEngine(q, spec);
    const got = arrivals.map(() => ({ first: Number.NaN, done: Number.NaN }));
    arrivals.forEach((a, i) =>
      q.at(a.at, () => e.submit({ promptTokens: a.prompt, outputTokens: a.output, onFirstToken: (x) => (got[i]!.first = x), onDone: (x) => (got[i]!.done = x) })),
    );
    q.run();
    for (let i = 0; i < arrivals.length; i++) {
      expect(got[i]!.first).toBeCloseTo(want[i]!.first, 3);
      expect(got[i]!.done).toBeCloseTo(want[i]!.done, 3);
    }
    // Collapsed decode runs: far fewer events than steps.
    expect(q.processed).toBeLessThan(arrivals.length * 4);
  });

  it("a cancelled waiting prompt never runs; a cancelled running one frees its slot", () => {
    const q = new EventQueue();
    const e = new SimEngine(q, { ...spec, maxBatch: 1 });
    const a = track(q, e, 100, 1000);
    const b = track(q, e, 100, 10);
    const c = track(q, e, 100, 10);
    b.handle.cancel();
    const cancelAt = 50;
    q.at(cancelAt, () => a.handle.cancel());
    q.run();
    expect(Number.isNaN(b.trace.first)).toBe(true);
    expect(Number.isNaN(a.trace.done)).toBe(true);
    // c starts right after the step in progress at the cancel.
    expect(c.trace.first).toBeGreaterThan(cancelAt);
    expect(c.trace.first).toBeLessThan(cancelAt + decodeStepMs("llama-8b", 1, 200) + prefillMs("llama-8b", 100) + 0.001);
    expect(e.inFlight).toBe(0);
  });

  it("fail() drops everything, reports which had started, and calls nothing back", () => {
    const q = new EventQueue();
    const e = new SimEngine(q, { ...spec, maxBatch: 2 });
    let callbacks = 0;
    const seq = (output: number) => ({ promptTokens: 200, outputTokens: output, onFirstToken: () => callbacks++, onDone: () => callbacks++ });
    e.submit(seq(500));
    e.submit(seq(500));
    e.submit(seq(500));
    q.run(200); // both slots decoding, one prompt waiting
    const before = callbacks;
    const lost = e.fail();
    q.run();
    expect(lost.map((l) => l.started).sort()).toEqual([false, true, true]);
    expect(callbacks).toBe(before);
    expect(e.inFlight).toBe(0);
  });

  it("counts occupancy over time", () => {
    const q = new EventQueue();
    const e = new SimEngine(q, spec);
    const { trace } = track(q, e, 100, 200);
    q.run();
    e.account();
    // One sequence running from its prefill to its end.
    expect(e.counters.occupancyMs).toBeCloseTo(trace.done, 6);
    expect(e.counters.busyMs).toBeCloseTo(trace.done, 6);
  });

  it("a cached prefix shortens TTFT on the virtual clock, and the engine counts it", () => {
    const q = new EventQueue();
    const e = new SimEngine(q, spec);
    const cold = track(q, e, 4000, 2, blocksOf("sys", 4000, 3000, "a")).trace;
    q.run();
    const warm = track(q, e, 4000, 2, blocksOf("sys", 4000, 3000, "b")).trace;
    const t0 = q.now;
    q.run();
    expect(cold.cached).toBe(0);
    expect(warm.cached).toBe(2992); // 187 whole shared blocks
    expect(cold.first).toBeCloseTo(prefillMs("llama-8b", 4000), 9);
    expect(warm.first - t0).toBeCloseTo(prefillMs("llama-8b", 4000 - 2992), 9);
    expect(e.load()).toEqual({ waiting: 0, running: 0, kvUsage: 0, prefixQueriedTokens: 8000, prefixHitTokens: 2992 });
    // Callers that ignore the second argument keep working.
    e.submit({ promptTokens: 10, outputTokens: 1, onFirstToken: (at: number) => void at, onDone: () => {} });
    q.run();
  });

  it("load(): queue, batch and KV use as they change, without extra events", () => {
    const q = new EventQueue();
    const e = new SimEngine(q, { ...spec, kvBlocks: 1000 }); // 16,000 tokens
    for (let i = 0; i < 3; i++) track(q, e, 2000, 400);
    expect(e.load()).toMatchObject({ waiting: 2, running: 1, kvUsage: 2000 / 16000 });
    const firstTwo = prefillMs("llama-8b", 2000) * 2 + decodeStepMs("llama-8b", 1, 2001);
    const seen: number[] = [];
    q.at(firstTwo + prefillMs("llama-8b", 2000) + 100 * decodeStepMs("llama-8b", 3, 2100), () => {
      const l = e.load();
      expect([l.waiting, l.running]).toEqual([0, 3]);
      seen.push(l.kvUsage);
    });
    q.run();
    // Three sequences of 2000 prompt tokens about 100 tokens into decoding.
    expect(seen[0]! * 16000).toBeGreaterThan(3 * 2080);
    expect(seen[0]! * 16000).toBeLessThan(3 * 2120);
    expect(e.load().kvUsage).toBe(0);
  });

  it("matches the step-by-step scheduler with a prefix cache under shared-prefix load and eviction", () => {
    const random = rng(11, "engine-prefix-test");
    const arrivals: Arrival[] = [];
    let t = 0;
    for (let i = 0; i < 400; i++) {
      t += exponential(random, 1000 / 20);
      const prompt = Math.round(logUniform(random, 500, 6000));
      const tenant = intBetween(random, 0, 11);
      const shared = Math.min(prompt, 300 * (tenant + 1));
      arrivals.push({ at: t, prompt, output: intBetween(random, 1, 200), blocks: blocksOf(`t${tenant}`, prompt, shared, `r${i}`) });
    }
    const small: EngineSpec = { ...spec, kvBlocks: 1500 }; // 24k tokens: tenants evict each other
    const want = reference(small, arrivals);
    const q = new EventQueue();
    const e = new SimEngine(q, small);
    const got = arrivals.map(() => ({ first: Number.NaN, done: Number.NaN, cached: -1 }));
    arrivals.forEach((a, i) =>
      q.at(a.at, () =>
        e.submit({
          promptTokens: a.prompt,
          blocks: a.blocks,
          outputTokens: a.output,
          onFirstToken: (x, cached) => Object.assign(got[i]!, { first: x, cached }),
          onDone: (x) => (got[i]!.done = x),
        }),
      ),
    );
    q.run();
    let hits = 0;
    for (let i = 0; i < arrivals.length; i++) {
      expect(got[i]!.cached).toBe(want[i]!.cached);
      expect(got[i]!.first).toBeCloseTo(want[i]!.first, 3);
      expect(got[i]!.done).toBeCloseTo(want[i]!.done, 3);
      hits += got[i]!.cached;
    }
    expect(hits).toBeGreaterThan(0);
    expect(e.load().prefixHitTokens).toBe(hits);
    expect(e.load().prefixQueriedTokens).toBe(arrivals.reduce((s, a) => s + a.prompt, 0));
    expect(q.processed).toBeLessThan(arrivals.length * 4);
  });

  it("fail() empties the prefix cache: the GPU's memory is gone", () => {
    const q = new EventQueue();
    const e = new SimEngine(q, spec);
    const blocks = blocksOf("p", 1000);
    track(q, e, 1000, 2, blocks);
    q.run();
    e.fail();
    const again = track(q, e, 1000, 2, blocks).trace;
    q.run();
    expect(again.cached).toBe(0);
  });
});
