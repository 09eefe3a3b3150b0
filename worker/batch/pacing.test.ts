import { describe, expect, it } from "vitest";
import { assign, DEFAULT_PACING, isNight, localHour, pacingConfig, planDispatch, RecentOthers, type PacingLoad } from "./pacing";

// 2026-01-01T12:00Z: noon in Greenwich, midnight at 180° east, 07:00 on the US east coast.
const NOON_UTC = Date.UTC(2026, 0, 1, 12, 0, 0);
const idle: PacingLoad = { waiting: 0, running: 0, kvUsage: 0 };
const loads = (entries: Record<string, PacingLoad>) => new Map(Object.entries(entries));
const none = new Map<string, number>();

describe("local time", () => {
  it("follows longitude", () => {
    expect(localHour(0, NOON_UTC)).toBe(12);
    expect(localHour(150, NOON_UTC)).toBe(22);
    expect(localHour(-120, NOON_UTC)).toBe(4);
    expect(isNight(150, NOON_UTC)).toBe(true);
    expect(isNight(8.7, NOON_UTC)).toBe(false);
    expect(isNight(-120, NOON_UTC)).toBe(true);
  });
});

describe("planDispatch", () => {
  it("prefers the origin where it is night, then the least loaded", () => {
    const origins = [{ id: "frankfurt", lon: 8.7 }, { id: "sydney", lon: 151.2 }, { id: "busy-ish", lon: 0 }];
    const plan = planDispatch(origins, loads({ frankfurt: idle, sydney: { ...idle, running: 2 }, "busy-ish": { ...idle, running: 5 } }), none, NOON_UTC);
    expect(plan.origins.map((o) => o.origin)).toEqual(["sydney", "frankfurt", "busy-ish"]);
    // Engines running others' requests take one line at a time; the idle one takes its full share.
    expect(plan.origins.map((o) => o.slots)).toEqual([1, 1, 1]);
    // Room, before the per-plan start limit: the idle engine could take 8.
    const roomy = { ...DEFAULT_PACING, startsPerPlan: 100 };
    expect(planDispatch(origins, loads({ frankfurt: idle, sydney: { ...idle, running: 2 }, "busy-ish": { ...idle, running: 5 } }), none, NOON_UTC, roomy).origins.map((o) => o.slots)).toEqual([1, 8, 1]);
  });

  it("counts only others' requests as the engine's own load: the batch's lines do not crowd it out", () => {
    const plan = planDispatch([{ id: "a", lon: 0 }], loads({ a: { ...idle, running: 2 } }), new Map([["a", 2]]), NOON_UTC, { ...DEFAULT_PACING, startsPerPlan: 100 });
    expect(plan.origins).toEqual([{ origin: "a", slots: 6, night: false }]);
    expect(plan.paused).toBeNull();
  });

  it("gives nothing to an engine with requests waiting or its KV cache nearly full: interactive traffic needs it", () => {
    const origins = [{ id: "a", lon: 0 }, { id: "b", lon: 0 }];
    const plan = planDispatch(origins, loads({ a: { ...idle, waiting: 1 }, b: { ...idle, kvUsage: 0.9 } }), none, NOON_UTC);
    expect(plan.total).toBe(0);
    expect(plan.paused).toBe("origins busy with interactive traffic");
  });

  it("treats NaN readings as busy", () => {
    const plan = planDispatch([{ id: "a", lon: 0 }], loads({ a: { waiting: NaN, running: 0, kvUsage: 0 } }), none, NOON_UTC);
    expect(plan.total).toBe(0);
  });

  it("counts the batch's own lines in flight, per origin and in total", () => {
    const origins = [{ id: "a", lon: 0 }];
    const roomy = { ...DEFAULT_PACING, startsPerPlan: 100 };
    expect(planDispatch(origins, loads({ a: { ...idle, running: 7 } }), new Map([["a", 7]]), NOON_UTC, roomy).total).toBe(1);
    expect(planDispatch(origins, loads({ a: { ...idle, running: 8 } }), new Map([["a", 8]]), NOON_UTC).paused).toBe("batch at its concurrency limit");
    // The engine's reading includes the batch's own lines: busyRunning caps the two together.
    expect(planDispatch(origins, loads({ a: { ...idle, running: 5 } }), new Map([["a", 5]]), NOON_UTC, { ...roomy, busyRunning: 6 }).total).toBe(1);
    const many = Array.from({ length: 40 }, (_, i) => ({ id: `o${i}`, lon: 0 }));
    expect(planDispatch(many, new Map(many.map((o) => [o.id, idle])), none, NOON_UTC).total).toBe(DEFAULT_PACING.maxTotal);
  });

  it("sends one line at a time to an origin that publishes no load", () => {
    const plan = planDispatch([{ id: "quiet", lon: 0 }], new Map(), none, NOON_UTC);
    expect(plan.origins).toEqual([{ origin: "quiet", slots: 1, night: false }]);
  });

  it("says why when there is no origin", () => {
    expect(planDispatch([], new Map(), none, NOON_UTC).paused).toBe("no origin");
  });

  it("assigns lines best origin first", () => {
    const plan = { origins: [{ origin: "x", slots: 2, night: true }, { origin: "y", slots: 2, night: false }], total: 4, paused: null };
    expect(assign(plan, 3)).toEqual(["x", "x", "y"]);
  });
});

describe("pacingConfig", () => {
  it("takes whole numbers from 1 to 1000, else the defaults", () => {
    expect(pacingConfig("8", "2")).toMatchObject({ maxTotal: 8, maxPerOrigin: 2 });
    for (const bad of [undefined, "0", "-1", "1e3", "NaN", "2.5", "99999", " 8"]) expect(pacingConfig(bad, bad)).toEqual(DEFAULT_PACING);
  });
});

describe("RecentOthers", () => {
  it("remembers interactive load for its window, so an engine caught idle for an instant is not idle", () => {
    const recent = new RecentOthers(30_000);
    recent.note("a", 2, 0);
    recent.note("a", 0, 2_000);
    recent.note("b", 0, 2_000);
    expect(recent.peaks(2_000)).toEqual(new Map([["a", 2], ["b", 0]]));
    expect(recent.peaks(31_000)).toEqual(new Map([["a", 0], ["b", 0]]));
    recent.note("a", NaN, 40_000); // an unreadable count is taken as busy
    expect(recent.peaks(40_000).get("a")).toBe(1);
    // One reading seen at several plans: the batch's own lines finished in between, so the least estimate stands.
    recent.note("b", 0, 50_000);
    recent.note("b", 3, 50_000);
    expect(recent.peaks(50_000).get("b")).toBe(0);
  });

  it("caps an engine that served others lately at the shared share", () => {
    const roomy = { ...DEFAULT_PACING, startsPerPlan: 100 };
    const plan = planDispatch([{ id: "a", lon: 0 }], loads({ a: idle }), none, NOON_UTC, roomy, new Map([["a", 1]]));
    expect(plan.origins).toEqual([{ origin: "a", slots: 1, night: false }]);
    expect(planDispatch([{ id: "a", lon: 0 }], loads({ a: idle }), none, NOON_UTC, roomy, new Map([["a", 0]])).total).toBe(8);
  });
});
