// How many lines of a batch to send now, and where: pure, from the engines'
// own load (EngineScraper's readings: requests running and waiting, KV-cache
// use) and where on Earth each origin is. A batch only takes what is spare:
// an engine with requests waiting, or with its KV cache nearly full, is
// serving interactive traffic that needs it, and gets no batch lines at all.
// Among the rest, origins where it is night (idle GPUs) and lightly loaded
// ones come first.

export interface PacingOrigin {
  id: string;
  lon: number;
}

/** An engine's load as the routing snapshots carry it (worker/stats/engine-load.ts). */
export interface PacingLoad {
  waiting: number;
  running: number;
  kvUsage: number;
}

export interface PacingConfig {
  /** Most lines of one batch in flight on one origin. */
  maxPerOrigin: number;
  /** An engine running this many requests (interactive and batch) has no room for more batch lines. */
  busyRunning: number;
  /** KV-cache use at or above which an engine takes no batch lines. */
  maxKvUsage: number;
  /** Lines in flight on an origin whose engine publishes no load (it cannot say it is busy: stay gentle). */
  unmeasuredSlots: number;
  /** Most lines in flight for the whole batch. */
  maxTotal: number;
  /** Most lines of the batch on an engine that is also running others' requests (interactive traffic): idle engines take the rest. */
  sharedSlots: number;
  /**
   * Most lines started on one origin per plan (the object plans every 200 ms): engines prefill one
   * prompt at a time, first come first served, so a burst of long batch prompts would make the
   * next interactive prompt wait behind all of them.
   */
  startsPerPlan: number;
}

export const DEFAULT_PACING: PacingConfig = { maxPerOrigin: 8, busyRunning: 8, maxKvUsage: 0.85, unmeasuredSlots: 1, maxTotal: 32, sharedSlots: 1, startsPerPlan: 1 };

/** The operator's bounds (wrangler.toml BATCH_MAX_IN_FLIGHT, BATCH_MAX_PER_ORIGIN) over the defaults; anything but a whole number from 1 to 1000 keeps the default. */
export function pacingConfig(maxInFlight: string | undefined, maxPerOrigin: string | undefined): PacingConfig {
  const whole = (v: string | undefined, fallback: number) => (v !== undefined && /^\d{1,4}$/.test(v) && Number(v) >= 1 && Number(v) <= 1000 ? Number(v) : fallback);
  return { ...DEFAULT_PACING, maxTotal: whole(maxInFlight, DEFAULT_PACING.maxTotal), maxPerOrigin: whole(maxPerOrigin, DEFAULT_PACING.maxPerOrigin) };
}

export interface OriginSlots {
  origin: string;
  /** Lines that may start there now. */
  slots: number;
  night: boolean;
}

export interface PacingPlan {
  /** Best first; only origins with room. */
  origins: OriginSlots[];
  /** Lines that may start now, over all origins. */
  total: number;
  /** Why nothing may start, when nothing may (for the batch's read-out). */
  paused: string | null;
}

/** The origin's local hour (0..23), from its longitude: solar time, close enough to tell night from day. */
export function localHour(lon: number, nowMs: number): number {
  const utcHours = (nowMs / 3600_000) % 24;
  const hour = Math.floor((((utcHours + lon / 15) % 24) + 24) % 24);
  return hour;
}

/** 22:00 to 06:00 local. */
export const isNight = (lon: number, nowMs: number): boolean => {
  const h = localHour(lon, nowMs);
  return h >= 22 || h < 6;
};

/**
 * The plan for this moment. `loads` holds fresh readings only (an origin
 * missing from it publishes none); `inFlight` is this batch's own lines
 * still running, per origin.
 */
export function planDispatch(
  origins: readonly PacingOrigin[],
  loads: ReadonlyMap<string, PacingLoad>,
  inFlight: ReadonlyMap<string, number>,
  nowMs: number,
  config: PacingConfig = DEFAULT_PACING,
  /** The most others' requests each engine ran lately (`RecentOthers`): an engine that served interactive traffic a moment ago is not idle. */
  recentOthers: ReadonlyMap<string, number> = new Map(),
): PacingPlan {
  const ranked: { slots: OriginSlots; score: number }[] = [];
  let busy = 0;
  /** Origins with no room only because this batch's own lines fill it. */
  let full = 0;
  for (const origin of origins) {
    const mine = inFlight.get(origin.id) ?? 0;
    const load = loads.get(origin.id);
    let room: number;
    let utilisation: number;
    if (!load) {
      room = config.unmeasuredSlots - mine;
      utilisation = 0.5;
    } else if (!(load.waiting <= 0) || !(load.kvUsage < config.maxKvUsage)) {
      // Requests queue (or memory is short): interactive traffic needs this engine. NaN counts as busy.
      busy++;
      continue;
    } else {
      // What the engine runs besides this batch's lines (the reading may lag a little behind them).
      const others = Math.max(0, load.running - mine);
      const cap = Math.max(others, recentOthers.get(origin.id) ?? 0) >= 1 ? config.sharedSlots : config.maxPerOrigin;
      room = Math.min(cap - mine, config.busyRunning - Math.max(0, load.running));
      utilisation = Math.min(1, others / config.busyRunning);
    }
    if (!(room > 0)) {
      if (mine > 0 && (!load || (load.waiting <= 0 && Math.max(0, load.running - mine) === 0))) full++;
      else busy++;
      continue;
    }
    const night = isNight(origin.lon, nowMs);
    // Night first, then the least loaded; the score only orders, it never adds room.
    ranked.push({ slots: { origin: origin.id, slots: Math.min(Math.floor(room), config.startsPerPlan), night }, score: (night ? 1 : 0) + (1 - utilisation) });
  }
  ranked.sort((a, b) => b.score - a.score || (a.slots.origin < b.slots.origin ? -1 : 1));
  let left = config.maxTotal - sum(inFlight);
  const out: OriginSlots[] = [];
  for (const { slots } of ranked) {
    if (left <= 0) break;
    const take = Math.min(slots.slots, left);
    out.push({ ...slots, slots: take });
    left -= take;
  }
  const total = out.reduce((n, o) => n + o.slots, 0);
  const paused = total > 0 ? null : origins.length === 0 ? "no origin" : busy > 0 && full === 0 ? "origins busy with interactive traffic" : "batch at its concurrency limit";
  return { origins: out, total, paused };
}

function sum(m: ReadonlyMap<string, number>): number {
  let n = 0;
  for (const v of m.values()) n += v;
  return n;
}

/** Hands out `count` lines over the plan's origins, best first: the origin each line is pinned to. */
export function assign(plan: PacingPlan, count: number): string[] {
  const out: string[] = [];
  for (const o of plan.origins) for (let i = 0; i < o.slots && out.length < count; i++) out.push(o.origin);
  return out;
}

/**
 * The most requests besides the batch's own each engine ran over the last
 * `windowMs` of readings. A reading is one instant: an engine serving a few
 * short interactive requests a second is often caught with none running, and
 * would look idle; over half a minute it does not.
 */
export class RecentOthers {
  private readonly seen = new Map<string, { at: number; others: number }[]>();

  constructor(private readonly windowMs = 30_000) {}

  /**
   * Notes a reading taken `at` (`running` less the batch's own lines there). The same reading
   * noted again keeps the least: the batch's lines finish between plans, and a reading that
   * still counts them must not make them look like others'.
   */
  note(origin: string, others: number, at: number): void {
    const value = Number.isFinite(others) ? Math.max(0, others) : 1;
    let list = this.seen.get(origin);
    if (!list) this.seen.set(origin, (list = []));
    const last = list.at(-1);
    if (last && last.at === at) last.others = Math.min(last.others, value);
    else list.push({ at, others: value });
    while (list.length > 0 && list[0]!.at < at - this.windowMs) list.shift();
  }

  /** Each origin's most others seen within the window before `now`. */
  peaks(now: number): Map<string, number> {
    const out = new Map<string, number>();
    for (const [origin, list] of this.seen) {
      let peak = 0;
      for (const r of list) if (r.at >= now - this.windowMs && r.others > peak) peak = r.others;
      out.set(origin, peak);
    }
    return out;
  }
}
