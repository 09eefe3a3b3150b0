import { describe, expect, it } from "vitest";
import { BLOCK_TOKENS, dailyShare, generateLoad, type LoadConfig, type Request } from "./load";
import { resolveScenario, type LoadSpec } from "./scenario";
import { readScenarioFile } from "./scenario-file";
import { POP_IDS, SCENARIO_DIR } from "./setup";

const min = 60_000;

function config(name: string, minutes = 6, change: (l: LoadSpec) => LoadSpec = (l) => l, seed = 42): { requests: Request[]; cfg: LoadConfig } {
  const s = resolveScenario(readScenarioFile(`${SCENARIO_DIR}${name}.json`, POP_IDS), { minutes, seed });
  const cfg: LoadConfig = { seed: s.seed, durationMs: s.durationMs, startUtcHour: s.startUtcHour, spec: change(s.load) };
  return { requests: generateLoad(s.pops, cfg), cfg };
}

const share = (rs: readonly Request[], f: (r: Request) => boolean) => rs.filter(f).length / rs.length;

describe("generateLoad", () => {
  it("the same seed gives the same requests, another seed others", () => {
    const a = config("calm").requests;
    const b = config("calm").requests;
    expect(b).toEqual(a);
    const c = config("calm", 6, (l) => l, 43).requests;
    expect(c.length).not.toBe(a.length);
  });

  it("arrival times and sizes do not depend on the new attributes (the old runs reproduce)", () => {
    const legacy = config("legacy-failure").requests;
    const mixed = config("failure").requests;
    expect(mixed.map((r) => [r.at, r.pop, r.promptTokens, r.outputTokens])).toEqual(legacy.map((r) => [r.at, r.pop, r.promptTokens, r.outputTokens]));
    expect(legacy.every((r) => r.stream && r.cap === null && r.prefixKey === null && r.blocks.length === 0)).toBe(true);
  });

  it("streamed, capped and prefixed shares are what the scenario says", () => {
    const { requests } = config("shared-prefix", 4);
    expect(requests.length).toBeGreaterThan(10_000);
    expect(share(requests, (r) => r.stream)).toBeCloseTo(0.7, 1);
    expect(share(requests, (r) => r.cap !== null)).toBeCloseTo(0.4, 1);
    expect(share(requests, (r) => r.prefixKey !== null)).toBeCloseTo(0.9, 1);
    // A cap is never below the true output, and at most capOverOutput.max times it.
    for (const r of requests) if (r.cap !== null) expect(r.cap >= r.outputTokens && r.cap <= Math.ceil(4 * r.outputTokens)).toBe(true);
  });

  it("prefixed prompts carry their prefix's blocks, and popularity falls with rank (Zipf)", () => {
    const { requests } = config("shared-prefix", 4);
    const counts = new Map<string, number>();
    for (const r of requests) {
      if (r.prefixKey === null) {
        expect(r.blocks).toEqual([]);
        continue;
      }
      counts.set(r.prefixKey, (counts.get(r.prefixKey) ?? 0) + 1);
      expect(r.prefixTokens).toBeGreaterThanOrEqual(2000);
      expect(r.prefixTokens).toBeLessThanOrEqual(6000);
      expect(r.blocks.length).toBe(Math.floor(r.prefixTokens / BLOCK_TOKENS));
      expect(r.blocks[0]).toBe(`${r.prefixKey}:0`);
      expect(r.blocks.at(-1)).toBe(`${r.prefixKey}:${r.blocks.length - 1}`);
      expect(r.promptTokens).toBeGreaterThan(r.prefixTokens);
    }
    const top = counts.get("p0")!;
    expect(top / (counts.get("p9") ?? 1)).toBeGreaterThan(5); // 1/1 vs 1/10
    expect(counts.size).toBeGreaterThan(100);
  });

  it("a session's turns grow from the previous prompt and answer, and share its blocks", () => {
    const { requests, cfg } = config("calm", 10);
    const sessions = new Map<string, Request[]>();
    for (const r of requests) if (r.session !== null) sessions.set(r.session, [...(sessions.get(r.session) ?? []), r]);
    expect(sessions.size).toBeGreaterThan(100);
    const firsts = requests.filter((r) => r.turn <= 1);
    expect(share(firsts, (r) => r.turn === 1)).toBeCloseTo(cfg.spec.sessions!.share, 1);
    for (const turns of sessions.values()) {
      expect(turns.map((t) => t.turn)).toEqual(turns.map((_, i) => i + 1));
      for (let i = 1; i < turns.length; i++) {
        const [prev, next] = [turns[i - 1]!, turns[i]!];
        expect(next.pop).toBe(prev.pop);
        expect(next.stream).toBe(prev.stream);
        expect(next.prefixKey).toBe(prev.prefixKey);
        expect(next.at - prev.at).toBeGreaterThanOrEqual(10_000);
        expect(next.promptTokens).toBeGreaterThan(prev.promptTokens + prev.outputTokens);
        expect(next.blocks.slice(0, prev.blocks.length)).toEqual(prev.blocks);
        expect(next.cacheableTokens).toBe(prev.blocks.length * BLOCK_TOKENS);
      }
    }
  });

  it("a surge multiplies its PoPs' arrivals for its duration only", () => {
    const { requests, cfg } = config("regional-surge", 40);
    const europe = new Set(cfg.spec.surges[0]!.pops);
    const rate = (from: number, to: number, inEurope: boolean) =>
      requests.filter((r) => r.turn <= 1 && r.at >= from && r.at < to && europe.has(r.pop) === inEurope).length / (to - from);
    expect(rate(15 * min, 25 * min, true) / rate(5 * min, 15 * min, true)).toBeCloseTo(3, 0);
    expect(rate(15 * min, 25 * min, false) / rate(5 * min, 15 * min, false)).toBeCloseTo(1, 0);
  });

  it("daily curves stay in (0, 1]", () => {
    for (let h = 0; h < 24; h += 0.25) {
      const c = dailyShare({ kind: "cosine", min: 0.3, peakHour: 16 }, h);
      expect(c).toBeGreaterThanOrEqual(0.3 - 1e-12);
      expect(c).toBeLessThanOrEqual(1);
    }
    expect(dailyShare({ kind: "cosine", min: 0.3, peakHour: 16 }, 16)).toBeCloseTo(1, 12);
    const values = Array.from({ length: 24 }, (_, i) => (i === 3 ? 1 : 0.5));
    expect(dailyShare({ kind: "hourly", values }, 3)).toBe(1);
    expect(dailyShare({ kind: "hourly", values }, 2.5)).toBe(0.75);
  });
});
