import { describe, expect, it } from "vitest";
import { prefillMs } from "../fleet/timing";
import type { Request } from "./load";
import { bestCase } from "./lower-bound";
import { meanOneWayMs } from "./network";
import { resolveScenario } from "./scenario";
import { readScenarioFile } from "./scenario-file";
import { DEFAULT_SCENARIO, POP_IDS } from "./setup";

const scenario = resolveScenario(readScenarioFile(DEFAULT_SCENARIO, POP_IDS));
const ashburnPop = scenario.pops.findIndex((p) => p.id === "ashburn");
const req = (at: number, extra: Partial<Request> = {}): Request => ({
  id: 0,
  pop: ashburnPop,
  at,
  promptTokens: 2000,
  outputTokens: 100,
  stream: true,
  cap: null,
  prefixKey: null,
  prefixTokens: 0,
  session: null,
  turn: 0,
  blocks: [],
  cacheableTokens: 0,
  ...extra,
});

describe("lower bound", () => {
  it("is the round trip plus the prefill at the best origin that is up", () => {
    const ashburn = scenario.origins.findIndex((o) => o.origin.id === "ashburn");
    const o = scenario.origins[ashburn]!;
    const b = bestCase(req(0), scenario)!;
    expect(b.origin).toBe(ashburn);
    expect(b.ttft).toBeCloseTo(2 * meanOneWayMs(scenario.pops[ashburnPop]!, o.origin) + prefillMs(o.profile, 2000, o.speed), 6);
    expect(b.ttlt).toBeGreaterThan(b.ttft);
  });

  it("skips a dead origin, and the cacheable part of the prompt is free", () => {
    const during = bestCase(req(21 * 60_000), scenario)!; // Ashburn black-holed from minute 20
    expect(scenario.origins[during.origin]!.origin.id).not.toBe("ashburn");
    const cached = bestCase(req(0, { cacheableTokens: 1984 }), scenario)!;
    expect(cached.ttft).toBeLessThan(bestCase(req(0), scenario)!.ttft);
  });
});
