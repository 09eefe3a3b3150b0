import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { parseScenario, readScenarioFile, ScenarioError, timeMs, type ScenarioFile } from "./scenario-file";
import { DEFAULT_SCENARIO, POP_IDS, SCENARIO_DIR, scenarioPath, setupFor, SHIPPED_SCENARIOS } from "./setup";

const valid = (): ScenarioFile => JSON.parse(JSON.stringify(readScenarioFile(DEFAULT_SCENARIO, POP_IDS)));

/** The error message parseScenario gives for `mutate`d copy of the failure scenario. */
function errorOf(mutate: (s: Record<string, any>) => void): string {
  const s = valid() as unknown as Record<string, any>;
  mutate(s);
  try {
    parseScenario(s, "test.json", POP_IDS);
  } catch (err) {
    expect(err).toBeInstanceOf(ScenarioError);
    return (err as Error).message;
  }
  throw new Error("expected the scenario to be refused");
}

function errorOfJson(text: string): string {
  try {
    parseScenario(JSON.parse(text), "test.json", POP_IDS);
  } catch (err) {
    expect(err).toBeInstanceOf(ScenarioError);
    return (err as Error).message;
  }
  throw new Error("expected the scenario to be refused");
}

describe("scenario files", () => {
  it.each([...SHIPPED_SCENARIOS, "legacy-failure"])("the shipped %s.json is valid", (name) => {
    const s = readScenarioFile(`${SCENARIO_DIR}${name}.json`, POP_IDS);
    expect(s.name).toBe(name);
    expect(s.origins.length).toBeGreaterThan(0);
  });

  it("names the field and the problem", () => {
    expect(errorOf((s) => (s.load.streamShare = 1.5))).toMatch(/load\.streamShare: .*(<=|1)/);
    expect(errorOf((s) => (s.load.ratePerWeight = -1))).toMatch(/load\.ratePerWeight/);
    expect(errorOf((s) => (s.origins[0].speed = 0))).toMatch(/origins\.0\.speed/);
    expect(errorOf((s) => (s.origins[2].maxBatch = 2.5))).toMatch(/origins\.2\.maxBatch/);
    expect(errorOf((s) => (s.origins[0].profile = "gpt-5"))).toMatch(/origins\.0\.profile/);
    expect(errorOf((s) => (s.events[0].kind = "explode"))).toMatch(/events\.0/);
  });

  it("refuses unknown and misspelt fields", () => {
    expect(errorOf((s) => (s.load.streamshare = 0.5))).toMatch(/load.*streamshare/);
    expect(errorOf((s) => (s.extra = true))).toMatch(/extra/);
  });

  it("refuses NaN, infinities and huge numbers", () => {
    expect(errorOf((s) => (s.load.cappedShare = Number.NaN))).toMatch(/load\.cappedShare/);
    expect(errorOfJson(JSON.stringify(valid()).replace('"durationMinutes":40', '"durationMinutes":1e400'))).toMatch(/durationMinutes/);
    expect(errorOf((s) => (s.load.promptTokens = { dist: "uniform", min: 1, max: 1e12 }))).toMatch(/load\.promptTokens\.max/);
    expect(errorOf((s) => (s.seed = 2 ** 53))).toMatch(/seed/);
    expect(errorOf((s) => (s.origins[0].kvBlocks = -5))).toMatch(/origins\.0\.kvBlocks/);
  });

  it("refuses __proto__ and constructor keys anywhere, and reserved names as ids", () => {
    const json = JSON.stringify(valid());
    expect(errorOfJson(json.replace('"load":{', '"load":{"__proto__":{"streamShare":0},'))).toMatch(/load\.__proto__/);
    expect(errorOfJson(json.replace("{", '{"constructor":1,'))).toMatch(/constructor/);
    expect(errorOf((s) => (s.origins[0].id = "constructor"))).toMatch(/origins\.0\.id: a reserved name/);
    expect(errorOf((s) => (s.origins[0].id = "__proto__"))).toMatch(/origins\.0\.id/);
    expect(errorOf((s) => (s.load.popWeights = [{ pop: "__proto__", weight: 1 }]))).toMatch(/popWeights\.0\.pop/);
  });

  it("checks what the schema cannot: unique ids, known origins and PoPs, min <= max", () => {
    expect(errorOf((s) => (s.origins[1].id = s.origins[0].id))).toMatch(/origins\.1\.id: duplicate origin 'ashburn'/);
    expect(errorOf((s) => (s.events[0].origin = "atlantis"))).toMatch(/events\.0\.origin: unknown origin 'atlantis'/);
    expect(errorOf((s) => s.events.push({ kind: "surge", at: 1, pops: ["atlantis"], factor: 2, forMinutes: 1 }))).toMatch(/unknown PoP 'atlantis'/);
    expect(errorOf((s) => s.events.push({ kind: "surge", at: 1, factor: 2, forMinutes: 1 }))).toMatch(/needs pops or regions/);
    expect(errorOf((s) => (s.load.popWeights = [{ pop: "gotham", weight: 1 }]))).toMatch(/unknown PoP 'gotham'/);
    expect(errorOf((s) => (s.load.outputTokens = { dist: "uniform", min: 500, max: 50 }))).toMatch(/min must not exceed max/);
    expect(errorOf((s) => (s.events[0].at = "150%"))).toMatch(/events\.0\.at/);
  });

  it("a missing file or bad JSON is a clear error", () => {
    const dir = mkdtempSync(join(tmpdir(), "sim-scenario-"));
    const bad = join(dir, "bad.json");
    writeFileSync(bad, "{ not json");
    expect(() => readScenarioFile(bad, POP_IDS)).toThrow(/bad\.json is not JSON/);
    expect(() => readScenarioFile(join(dir, "missing.json"), POP_IDS)).toThrow(/cannot read scenario/);
  });

  it("times are minutes or a share of the run, shares rounded to whole minutes", () => {
    expect(timeMs(2.5, 40 * 60_000)).toBe(150_000);
    expect(timeMs("25%", 40 * 60_000)).toBe(600_000);
    expect(timeMs("70%", 10 * 60_000)).toBe(420_000);
    expect(timeMs("50%", 5 * 60_000)).toBe(180_000); // 2.5 min rounds to 3
  });

  it("SIM_SCENARIO is a path or a name in sim/scenarios/; the environment's overrides are checked", () => {
    expect(scenarioPath(undefined)).toBe(DEFAULT_SCENARIO);
    expect(scenarioPath("calm")).toBe(`${SCENARIO_DIR}calm.json`);
    expect(scenarioPath("./x/calm.json")).toBe("./x/calm.json");
    expect(() => setupFor(scenarioPath("no-such-scenario"))).toThrow(/cannot read scenario/);
    expect(() => setupFor(DEFAULT_SCENARIO, { SIM_RATE: "-1" })).toThrow(/SIM_RATE must be a number/);
    expect(() => setupFor(DEFAULT_SCENARIO, { SIM_SEED: "NaN" })).toThrow(/SIM_SEED/);
    expect(() => setupFor(DEFAULT_SCENARIO, { SIM_MINUTES: "1e9" })).toThrow(/SIM_MINUTES/);
    expect(setupFor(DEFAULT_SCENARIO, { SIM_START_UTC_HOUR: "3" }).scenario.startUtcHour).toBe(3);
  });
});
