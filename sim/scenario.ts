// A scenario resolved for one run: the file's minutes turned into virtual
// milliseconds, its origins into OriginSpecs, its PoPs weighted, its events
// ordered; the phases the report splits the run into; and the player that
// applies the events to the origins on the clock.
import type { EventQueue } from "./event-queue";
import type { SimOrigin } from "./origin";
import { timeMs, type DailyCurve, type ScenarioFile, type TokenDist } from "./scenario-file";
import { originSpec, POPS, type OriginSpec, type Pop } from "./world";

export type OriginEvent =
  | { readonly at: number; readonly kind: "slowdown"; readonly origin: string; readonly factor: number }
  | { readonly at: number; readonly kind: "blackhole"; readonly origin: string; readonly refuseAfterMs: number | null }
  | { readonly at: number; readonly kind: "refuse" | "recover"; readonly origin: string };

export interface Surge {
  /** Indices into the scenario's PoPs. */
  readonly pops: readonly number[];
  readonly from: number;
  readonly to: number;
  readonly factor: number;
}

export interface LoadSpec {
  readonly ratePerWeight: number;
  readonly dailyCurve: DailyCurve;
  readonly streamShare: number;
  readonly cappedShare: number;
  readonly capOverOutput: { readonly min: number; readonly max: number };
  readonly promptTokens: TokenDist;
  readonly outputTokens: TokenDist;
  readonly prefixes: { readonly count: number; readonly tokens: TokenDist; readonly zipf: number; readonly share: number } | null;
  readonly sessions: {
    readonly share: number;
    readonly turns: { readonly min: number; readonly max: number };
    readonly thinkSeconds: { readonly min: number; readonly max: number };
    readonly messageTokens: TokenDist;
  } | null;
  readonly surges: readonly Surge[];
}

export interface Phase {
  readonly name: string;
  readonly from: number;
}

export interface Scenario {
  readonly name: string;
  readonly description: string;
  readonly seed: number;
  readonly durationMs: number;
  /** Requests arriving before this are left out of the tables (cold queues and statistics). */
  readonly warmupMs: number;
  /** UTC hour of day at t = 0. */
  readonly startUtcHour: number;
  readonly origins: readonly OriginSpec[];
  readonly pops: readonly Pop[];
  readonly load: LoadSpec;
  /** Origin events in time order (surges are part of the load). */
  readonly events: readonly OriginEvent[];
  /** Ascending; the first starts at 0. */
  readonly phases: readonly Phase[];
}

/** What the environment may override (SIM_SEED, SIM_MINUTES, SIM_START_UTC_HOUR, SIM_RATE). */
export interface Overrides {
  seed?: number;
  minutes?: number;
  startUtcHour?: number;
  ratePerWeight?: number;
}

export function resolveScenario(file: ScenarioFile, o: Overrides = {}): Scenario {
  const durationMs = Math.round((o.minutes ?? file.durationMinutes) * 60_000);
  const at = (t: number | string) => timeMs(t, durationMs);
  const weights = new Map((file.load.popWeights ?? []).map((w) => [w.pop, w.weight]));
  const pops = POPS.map((p) => (weights.has(p.id) ? { ...p, weight: weights.get(p.id)! } : p));
  const origins = file.origins.map((e) =>
    originSpec({ ...e, inPerM: e.price.inputPerM, outPerM: e.price.outputPerM }),
  );
  const events: OriginEvent[] = [];
  const surges: Surge[] = [];
  for (const e of file.events) {
    switch (e.kind) {
      case "surge": {
        const from = at(e.at);
        const chosen = pops.flatMap((p, i) => (e.pops?.includes(p.id) || e.regions?.includes(p.region) ? [i] : []));
        surges.push({ pops: chosen, from, to: from + Math.round(e.forMinutes * 60_000), factor: e.factor });
        break;
      }
      case "slowdown":
        events.push({ at: at(e.at), kind: e.kind, origin: e.origin, factor: e.factor });
        break;
      case "blackhole":
        events.push({ at: at(e.at), kind: e.kind, origin: e.origin, refuseAfterMs: e.refuseAfterMinutes === undefined ? null : Math.round(e.refuseAfterMinutes * 60_000) });
        break;
      default:
        events.push({ at: at(e.at), kind: e.kind, origin: e.origin });
    }
  }
  // Stable: events at the same time keep the file's order.
  events.sort((a, b) => a.at - b.at);
  const l = file.load;
  return {
    name: file.name,
    description: file.description,
    seed: o.seed ?? file.seed,
    durationMs,
    warmupMs: Math.round(file.warmupMinutes * 60_000),
    startUtcHour: o.startUtcHour ?? file.startUtcHour,
    origins,
    pops,
    load: {
      ratePerWeight: o.ratePerWeight ?? l.ratePerWeight,
      dailyCurve: l.dailyCurve,
      streamShare: l.streamShare,
      cappedShare: l.cappedShare,
      capOverOutput: l.capOverOutput,
      promptTokens: l.promptTokens,
      outputTokens: l.outputTokens,
      prefixes: l.prefixes ?? null,
      sessions: l.sessions ?? null,
      surges,
    },
    events,
    phases: phasesOf(file, durationMs, events, surges),
  };
}

function phasesOf(file: ScenarioFile, durationMs: number, events: readonly OriginEvent[], surges: readonly Surge[]): Phase[] {
  let phases: Phase[];
  if (file.phases) {
    phases = file.phases.map((p) => ({ name: p.name, from: timeMs(p.at, durationMs) }));
  } else {
    // One phase per distinct event time (a surge's end too), named by what starts there.
    const marks = new Map<number, string[]>();
    const mark = (t: number, what: string) => marks.set(t, [...(marks.get(t) ?? []), what]);
    for (const e of events) mark(e.at, e.kind === "slowdown" ? `${e.origin} ${e.factor}x slower` : `${e.origin} ${e.kind}`);
    for (const s of surges) {
      mark(s.from, `surge x${s.factor}`);
      mark(s.to, "surge over");
    }
    phases = [{ name: "start", from: 0 }, ...[...marks].map(([from, what]) => ({ name: what.join(", "), from }))];
  }
  phases = phases.filter((p) => p.from < durationMs).sort((a, b) => a.from - b.from);
  // Merge duplicates and make the first start at 0.
  const out: Phase[] = [];
  for (const p of phases) {
    if (out.length && out[out.length - 1]!.from === p.from) out[out.length - 1] = { name: `${out[out.length - 1]!.name}, ${p.name}`, from: p.from };
    else out.push(p);
  }
  if (out.length === 0 || out[0]!.from > 0) out.unshift({ name: "start", from: 0 });
  return out;
}

/** Phase index of virtual time `t`. */
export function phaseOf(s: Scenario, t: number): number {
  let i = 0;
  while (i + 1 < s.phases.length && t >= s.phases[i + 1]!.from) i++;
  return i;
}

/** Phase boundaries: the phases' starts, then the end. */
export function phaseBounds(s: Scenario): number[] {
  return [...s.phases.map((p) => p.from), s.durationMs];
}

/** Schedules every origin event on the clock (before the first request, so ties go to the event). */
export function playScenario(s: Scenario, clock: EventQueue, origins: ReadonlyMap<string, SimOrigin>): void {
  for (const e of s.events) {
    const o = origins.get(e.origin);
    if (!o) throw new Error(`scenario names an unknown origin '${e.origin}'`);
    switch (e.kind) {
      case "slowdown":
        clock.at(e.at, () => o.slowDown(e.factor));
        break;
      case "blackhole": {
        clock.at(e.at, () => o.crash("blackhole", clock.now));
        const after = e.refuseAfterMs;
        // The black hole turns into refused connections, unless something else happened to it meanwhile.
        if (after !== null) clock.at(e.at + after, () => o.health === "blackhole" && o.setHealth("refused"));
        break;
      }
      case "refuse":
        clock.at(e.at, () => (o.health === "up" ? o.crash("refused", clock.now) : o.setHealth("refused")));
        break;
      case "recover":
        clock.at(e.at, () => o.recover());
        break;
    }
  }
}

/** What the events did to an origin by time `t` (for the lower bound): up or not, and its slowdown. */
export function originStateAt(s: Scenario, origin: string, t: number): { up: boolean; slowdown: number } {
  let up = true;
  let slowdown = 1;
  for (const e of s.events) {
    if (e.origin !== origin) continue;
    if (e.at > t) break;
    if (e.kind === "slowdown") slowdown = e.factor;
    else if (e.kind === "recover") {
      up = true;
      slowdown = 1;
    } else up = false;
  }
  return { up, slowdown };
}

/** Multiplier on a PoP's rate at time `t` from the surges. */
export function surgeFactor(load: LoadSpec, pop: number, t: number): number {
  let f = 1;
  for (const s of load.surges) if (t >= s.from && t < s.to && s.pops.includes(pop)) f *= s.factor;
  return f;
}
