import { describe, expect, it } from "vitest";
import { EventQueue } from "./event-queue";
import { SimOrigin } from "./origin";
import { originStateAt, phaseOf, playScenario, resolveScenario, surgeFactor } from "./scenario";
import { readScenarioFile, type ScenarioFile } from "./scenario-file";
import { DEFAULT_SCENARIO, POP_IDS, SCENARIO_DIR } from "./setup";

const file = (name = "failure"): ScenarioFile => readScenarioFile(name === "failure" ? DEFAULT_SCENARIO : `${SCENARIO_DIR}${name}.json`, POP_IDS);
const min = 60_000;

function world(f: ScenarioFile, minutes?: number) {
  const s = resolveScenario(f, minutes ? { minutes } : {});
  const clock = new EventQueue();
  const origins = new Map(s.origins.map((spec, i) => [spec.origin.id, new SimOrigin(clock, spec, i)]));
  playScenario(s, clock, origins);
  return { s, clock, origins };
}

describe("scenario", () => {
  it("plays the failure scenario's events at their times", () => {
    const { clock, origins } = world(file());
    const frankfurt = origins.get("frankfurt")!;
    const ashburn = origins.get("ashburn")!;
    const at = (t: number) => {
      clock.run(t);
      return { slow: frankfurt.slowdown, ashburn: ashburn.health };
    };
    expect(at(10 * min - 1)).toEqual({ slow: 1, ashburn: "up" });
    expect(at(10 * min)).toEqual({ slow: 4, ashburn: "up" });
    expect(at(20 * min - 1)).toEqual({ slow: 4, ashburn: "up" });
    expect(at(20 * min)).toEqual({ slow: 4, ashburn: "blackhole" });
    expect(at(23 * min)).toEqual({ slow: 4, ashburn: "refused" });
    expect(at(28 * min)).toEqual({ slow: 4, ashburn: "up" });
  });

  it("event times given as shares move with SIM_MINUTES", () => {
    const { s } = world(file(), 20);
    expect(s.durationMs).toBe(20 * min);
    expect(s.events.map((e) => [e.kind, e.at / min])).toEqual([
      ["slowdown", 5],
      ["blackhole", 10],
      ["recover", 14],
    ]);
    expect(s.phases.map((p) => p.from / min)).toEqual([0, 5, 10, 14]);
  });

  it("a black hole that recovers before it would refuse stays up", () => {
    const f = file();
    f.events = [
      { kind: "blackhole", at: 1, origin: "oregon", refuseAfterMinutes: 5 },
      { kind: "recover", at: 2, origin: "oregon" },
      { kind: "slowdown", at: 3, origin: "oregon", factor: 2 },
      { kind: "refuse", at: 8, origin: "oregon" },
      { kind: "recover", at: 9, origin: "oregon" },
    ];
    const { s, clock, origins } = world(f);
    const oregon = origins.get("oregon")!;
    clock.run(7 * min);
    expect(oregon.health).toBe("up");
    expect(oregon.slowdown).toBe(2);
    clock.run(8 * min);
    expect(oregon.health).toBe("refused");
    clock.run(9 * min);
    expect([oregon.health, oregon.slowdown]).toEqual(["up", 1]);
    expect(originStateAt(s, "oregon", 1.5 * min)).toEqual({ up: false, slowdown: 1 });
    expect(originStateAt(s, "oregon", 4 * min)).toEqual({ up: true, slowdown: 2 });
    expect(originStateAt(s, "oregon", 9 * min)).toEqual({ up: true, slowdown: 1 });
  });

  it("phases default to one per event time, and a surge has an end", () => {
    const s = resolveScenario(file("regional-surge"));
    expect(s.phases.map((p) => [p.name, p.from / min])).toEqual([
      ["start", 0],
      ["surge x3", 15],
      ["surge over", 25],
    ]);
    expect(phaseOf(s, 14.9 * min)).toBe(0);
    expect(phaseOf(s, 15 * min)).toBe(1);
    expect(phaseOf(s, 39 * min)).toBe(2);
    const london = s.pops.findIndex((p) => p.id === "london");
    const tokyo = s.pops.findIndex((p) => p.id === "tokyo");
    expect(surgeFactor(s.load, london, 20 * min)).toBe(3);
    expect(surgeFactor(s.load, london, 25 * min)).toBe(1);
    expect(surgeFactor(s.load, tokyo, 20 * min)).toBe(1);
  });

  it("the environment overrides seed, rate and hour", () => {
    const s = resolveScenario(file(), { seed: 7, ratePerWeight: 0.1, startUtcHour: 3 });
    expect([s.seed, s.load.ratePerWeight, s.startUtcHour]).toEqual([7, 0.1, 3]);
  });
});
