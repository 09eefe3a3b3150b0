import { describe, expect, it } from "vitest";
import { EventQueue } from "./event-queue";
import { SimOrigin } from "./origin";
import { LoadScraper, readEngine, type EngineReading } from "./scraper";
import { ORIGINS, type MetricsFormat } from "./world";

function origin(clock: EventQueue, i: number, metrics: MetricsFormat, reading: () => EngineReading): SimOrigin {
  const o = new SimOrigin(clock, { ...ORIGINS[i]!, metrics }, i);
  Object.assign(o.engine, { load: reading });
  return o;
}

describe("LoadScraper", () => {
  it("reads each origin once per interval for the world; hit rate over the interval; none and dead origins have no reading", () => {
    const clock = new EventQueue();
    let q = 0;
    let h = 0;
    const reading = () => ({ waiting: 3, running: 5, kvUsage: 0.25, prefixQueriedTokens: q, prefixHitTokens: h });
    const vllm = origin(clock, 0, "vllm", reading);
    const llama = origin(clock, 1, "llamacpp", reading);
    const none = origin(clock, 2, "none", reading);
    const s = new LoadScraper(clock, [vllm, llama, none], 2_000);
    s.start(0);
    clock.run(0);
    expect(s.latest.get(vllm.id)).toEqual({ waiting: 3, running: 5, kvUsage: 0.25, prefixHitRate: null, at: 0 });
    expect(s.latest.has(none.id)).toBe(false);
    q = 1000;
    h = 750;
    clock.run(2_000);
    expect(s.latest.get(vllm.id)!.prefixHitRate).toBe(0.75);
    expect(s.latest.get(llama.id)!.prefixHitRate).toBeNull(); // llama.cpp publishes no prefix counters
    expect(s.scrapes).toBe(4);
    vllm.crash("refused", clock.now);
    clock.run(4_000);
    expect(s.latest.has(vllm.id)).toBe(false);
  });

  it("falls back to the engine's queue and batch when it has no load()", () => {
    const clock = new EventQueue();
    const o = new SimOrigin(clock, ORIGINS[0]!, 0);
    o.submit({ promptTokens: 100, outputTokens: 10, onFirstToken() {}, onDone() {}, onCut() {} });
    o.submit({ promptTokens: 100, outputTokens: 10, onFirstToken() {}, onDone() {}, onCut() {} });
    const r = readEngine(o.engine);
    expect(r.waiting + r.running).toBe(2);
  });
});
